import Foundation
import TitanProcess
import TitanUInt256

/// A native shared library exporting the titan.h ABI (backends/titan.h), loaded in a child
/// host process (`titan backend-host PATH`) that speaks the JSON Lines protocol: a library
/// that crashes or hangs takes the host down, never the fuzzer, and is reported like any
/// external backend that crashed or hung.
public enum NativeLibrary {
    /// The entry points a library must export (storage, and a reset between sequences).
    public static let requiredSymbols = ["titan_storage_read", "titan_storage_write", "titan_storage_delete", "titan_test_reset"]
    /// The ledger entry points: all four, or the library is fuzzed on storage only.
    public static let ledgerSymbols = ["titan_test_mint", "titan_test_transfer", "titan_test_balance", "titan_test_total_supply"]

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
        public init(_ d: String) { description = d }
    }

    /// Asks a host process which entry points the library at `path` exports (loading it runs
    /// its constructors, so not in this process), then returns a backend that runs it in a host.
    /// `hostExecutable` is a `titan` binary (it has the hidden `backend-host` subcommand).
    public static func backend(path: String, hostExecutable: String, timeout: Double, startupTimeout: Double,
                               name: String? = nil) throws -> ExternalProcessBackend {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        // The host's crash is the library's: the Swift runtime's backtrace of it is noise.
        let host = "env SWIFT_BACKTRACE=enable=no " + ShellQuote.quote(hostExecutable) + " backend-host "
        let probe = try NativeLibrary.output(ofShellCommand: "exec " + host + "--entry-points " + ShellQuote.quote(absolute),
                                            timeout: startupTimeout)
        guard probe.exit == "status 0" else {
            let why = probe.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw LoadError("cannot load \(path) (host \(probe.exit))" + (why.isEmpty ? "" : ": \(why)"))
        }
        let exported = Set(probe.stdout.split(whereSeparator: \.isNewline).map(String.init))
        let missing = requiredSymbols.filter { !exported.contains($0) }
        guard missing.isEmpty else {
            throw LoadError("\(path) does not export \(missing.joined(separator: ", ")) (see backends/titan.h)")
        }
        let ledger = ledgerSymbols.allSatisfy(exported.contains)
        return ExternalProcessBackend(command: host + ShellQuote.quote(absolute), timeout: timeout, startupTimeout: startupTimeout,
                                      name: name ?? "lib:\(path)",
                                      summary: "native library \(path) (titan.h\(ledger ? "" : ", storage only: no ledger entry points"))",
                                      supportsLedger: ledger)
    }
}

/// The child side of `--backend-lib`: dlopen()s the library and answers JSON Lines requests
/// on stdin with calls into it.
public final class NativeLibraryHost {
    typealias ReadFn = @convention(c) (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt8>?, Int, UnsafeMutablePointer<Int>?) -> Int32
    typealias WriteFn = @convention(c) (UnsafePointer<UInt8>?, Int, UnsafePointer<UInt8>?, Int) -> Int32
    typealias DeleteFn = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    typealias ResetFn = @convention(c) () -> Void
    typealias MintFn = @convention(c) (UnsafePointer<UInt8>?, UnsafePointer<UInt8>?) -> Int32
    typealias TransferFn = @convention(c) (UnsafePointer<UInt8>?, UnsafePointer<UInt8>?, UnsafePointer<UInt8>?) -> Int32
    typealias AmountOfFn = @convention(c) (UnsafePointer<UInt8>?, UnsafeMutablePointer<UInt8>?) -> Void
    typealias AmountFn = @convention(c) (UnsafeMutablePointer<UInt8>?) -> Void

    let read: ReadFn, write: WriteFn, delete: DeleteFn, reset: ResetFn
    let mint: MintFn?, transfer: TransferFn?, balance: AmountOfFn?, totalSupply: AmountFn?

    /// The most a read buffer really holds. A larger `buf_len` (the fuzzer tries 2^40) is passed
    /// on as it is, over this much memory and then an inaccessible page: a correct library
    /// writes only the value (at most 256 bytes); one that writes further crashes the host.
    static let readBufferBytes = 1 << 20
    let readBuffer: UnsafeMutablePointer<UInt8>
    /// Arguments are copied here so that every pointer is valid, even for an empty key.
    let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 64 * 1024)

    /// The titan.h entry points `path` exports, by name; nil with dlerror()'s text when it
    /// cannot be loaded.
    public static func exportedSymbols(_ path: String) -> Result<[String], NativeLibrary.LoadError> {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            return .failure(.init(String(cString: dlerror())))
        }
        return .success((NativeLibrary.requiredSymbols + NativeLibrary.ledgerSymbols).filter { dlsym(handle, $0) != nil })
    }

    public init(path: String) throws {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else { throw NativeLibrary.LoadError(String(cString: dlerror())) }
        func symbol<T>(_ name: String, _: T.Type) -> T? { dlsym(handle, name).map { unsafeBitCast($0, to: T.self) } }
        guard let read = symbol("titan_storage_read", ReadFn.self), let write = symbol("titan_storage_write", WriteFn.self),
              let delete = symbol("titan_storage_delete", DeleteFn.self), let reset = symbol("titan_test_reset", ResetFn.self) else {
            throw NativeLibrary.LoadError("\(path) does not export the titan.h storage entry points and titan_test_reset")
        }
        self.read = read; self.write = write; self.delete = delete; self.reset = reset
        let mint = symbol("titan_test_mint", MintFn.self), transfer = symbol("titan_test_transfer", TransferFn.self)
        let balance = symbol("titan_test_balance", AmountOfFn.self), totalSupply = symbol("titan_test_total_supply", AmountFn.self)
        let ledger = mint != nil && transfer != nil && balance != nil && totalSupply != nil
        self.mint = ledger ? mint : nil; self.transfer = ledger ? transfer : nil
        self.balance = ledger ? balance : nil; self.totalSupply = ledger ? totalSupply : nil

        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let region = mmap(nil, Self.readBufferBytes + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              region != MAP_FAILED else { throw NativeLibrary.LoadError("cannot map the read buffer") }
        mprotect(region + Self.readBufferBytes, page, PROT_NONE)
        readBuffer = region.assumingMemoryBound(to: UInt8.self)
    }

    struct RequestError: Error { var message: String }

    /// Copies `bytes` into the scratch area at `offset` and returns a pointer to them.
    func place(_ bytes: [UInt8], at offset: Int) -> UnsafePointer<UInt8> {
        let p = scratch + offset
        bytes.withUnsafeBufferPointer { b in if let base = b.baseAddress { p.update(from: base, count: b.count) } }
        return UnsafePointer(p)
    }

    /// Calls the library for one request and appends the reply line (with its newline).
    func answer(_ line: ArraySlice<UInt8>, to out: inout [UInt8]) throws {
        guard let obj = ExternalProtocol.replyObject(line),
              let id = ExternalProtocol.integer(obj["id"]) else {
            throw RequestError(message: "not a request object: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        let op: TitanCall
        do { op = try ExternalProtocol.operation(from: obj) } catch { throw RequestError(message: "request id \(id): \(error)") }
        func raw(_ s: StaticString) { s.withUTF8Buffer { out.append(contentsOf: $0) } }
        func text(_ s: String) { out.append(contentsOf: s.utf8) }
        func amountReply(_ fill: (UnsafeMutablePointer<UInt8>) -> Void) {
            let word = scratch + 1024
            word.update(repeating: 0, count: 32)
            fill(word)
            raw(",\"amount\":\""); text(UInt256(bigEndian: Array(UnsafeBufferPointer(start: word, count: 32))).description); raw("\"")
        }
        func noLedger() throws -> Never { throw RequestError(message: "request id \(id): \(op.name) sent to a library without ledger entry points") }
        raw("{\"id\":"); text(String(id)); raw(",\"ret\":")
        switch op {
        case .reset:
            reset(); raw("0")
        case .storageWrite(let k, let v):
            guard k.count <= 512, v.count <= 32 * 1024 else { throw RequestError(message: "request id \(id): key or value too long") }
            text(String(write(place(k, at: 0), k.count, place(v, at: 2048), v.count)))
        case .storageRead(let k, let n):
            guard k.count <= 512 else { throw RequestError(message: "request id \(id): key too long") }
            var outLen = 0
            let ret = read(place(k, at: 0), k.count, readBuffer, n, &outLen)
            text(String(ret))
            if ret == 0 {
                let shown = max(0, min(outLen, n, Self.readBufferBytes))
                raw(",\"value\":\""); out.append(48); out.append(120)
                for i in 0..<shown { let b = readBuffer[i]; out.append(Hex.digits[Int(b >> 4)]); out.append(Hex.digits[Int(b & 15)]) }
                raw("\",\"out_len\":"); text(String(outLen))
            } else if ret == -2 {
                raw(",\"out_len\":"); text(String(outLen))
            }
        case .storageDelete(let k):
            guard k.count <= 512 else { throw RequestError(message: "request id \(id): key too long") }
            text(String(delete(place(k, at: 0), k.count)))
        case .mint(let to, let a):
            guard let mint else { try noLedger() }
            text(String(mint(place(to.bytes, at: 0), place(a.bigEndianBytes, at: 64))))
        case .transfer(let f, let t, let a):
            guard let transfer else { try noLedger() }
            text(String(transfer(place(f.bytes, at: 0), place(t.bytes, at: 32), place(a.bigEndianBytes, at: 64))))
        case .balance(let a):
            guard let balance else { try noLedger() }
            raw("0")
            let addr = place(a.bytes, at: 0)
            amountReply { balance(addr, $0) }
        case .totalSupply:
            guard let totalSupply else { try noLedger() }
            raw("0")
            amountReply { totalSupply($0) }
        }
        raw("}"); out.append(10)
    }

    /// Answers requests from stdin until it closes. Each reply is written before the next call
    /// into the library, so that when a call crashes or hangs the fuzzer has every earlier reply
    /// and names the very request that did it. A malformed request ends the host with a message
    /// on stderr (the fuzzer reports it).
    public func serve(input: Int32 = 0, output: Int32 = 1) -> Int32 {
        var pending = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var out = [UInt8]()
        out.reserveCapacity(65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Foundation.read(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return 0 }
            pending += buffer[0..<n]
            var lineStart = pending.startIndex
            while let nl = pending[lineStart...].firstIndex(of: 10) {
                let line = pending[lineStart..<nl]
                lineStart = nl + 1
                if line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) { continue }
                do { try answer(line, to: &out) } catch let e as RequestError {
                    FileHandle.standardError.write(Data(("backend-host: " + e.message + "\n").utf8))
                    return 1
                } catch { return 1 }
                guard flush(&out, to: output) else { return 1 }
            }
            pending.removeFirst(lineStart)
        }
    }

    private func flush(_ out: inout [UInt8], to fd: Int32) -> Bool {
        var written = 0
        while written < out.count {
            let w = out[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if w < 0 && errno == EINTR { continue }
            if w <= 0 { return false }
            written += w
        }
        out.removeAll(keepingCapacity: true)
        return true
    }
}

extension NativeLibrary {
    /// Runs a short-lived shell command to its end (killed with its group after `timeout` seconds).
    static func output(ofShellCommand command: String, timeout: Double) throws -> (stdout: String, stderr: String, exit: String) {
        do {
            let r = try ChildProcess.run(["/bin/sh", "-c", command], timeout: timeout)
            return (r.stdout, r.stderr, r.exit)
        } catch {
            throw NativeLibrary.LoadError("cannot start '\(command)': \(error)")
        }
    }
}
