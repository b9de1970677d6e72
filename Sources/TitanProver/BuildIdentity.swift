import Foundation

/// What identifies the code that builds queries: the GNU build ID of the running executable
/// (the linker's hash of its contents; the prover, the semantics and the encoder are linked
/// into it statically), so that a rebuilt encoder never reuses an answer, or a query hash,
/// of another build. Without a build ID: the executable's path, size, modification time and
/// inode; without even that, a value no other process shares (nothing is reused).
enum BuildIdentity {
    static let current: String = gnuBuildID().map { "build-id:" + $0 } ?? executableStat() ?? "process:\(UUID().uuidString)"

    /// The NT_GNU_BUILD_ID note of /proc/self/exe, read from its ELF program headers (the
    /// notes sit in the file's first pages).
    static func gnuBuildID() -> String? {
        guard let file = FileHandle(forReadingAtPath: "/proc/self/exe") else { return nil }
        defer { try? file.close() }
        guard let data = try? file.read(upToCount: 1 << 16) else { return nil }
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> String? in
            func u16(_ o: Int) -> Int? { o + 2 <= raw.count ? Int(raw.loadUnaligned(fromByteOffset: o, as: UInt16.self)) : nil }
            func u32(_ o: Int) -> Int? { o + 4 <= raw.count ? Int(raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)) : nil }
            func u64(_ o: Int) -> Int? { o + 8 <= raw.count ? Int(truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)) : nil }
            // A 64-bit little-endian ELF file.
            guard raw.count >= 64, raw[0] == 0x7F, raw[1] == 0x45, raw[2] == 0x4C, raw[3] == 0x46, raw[4] == 2, raw[5] == 1,
                  let phoff = u64(32), let phentsize = u16(54), let phnum = u16(56) else { return nil }
            for i in 0..<phnum {
                let ph = phoff + i * phentsize
                guard let type = u32(ph), type == 4 /* PT_NOTE */, let offset = u64(ph + 8), let size = u64(ph + 32),
                      offset >= 0, size >= 0, offset + size <= raw.count else { continue }
                var note = offset
                while note + 12 <= offset + size {
                    guard let nameSize = u32(note), let descSize = u32(note + 4), let noteType = u32(note + 8) else { break }
                    let name = note + 12
                    let desc = name + ((nameSize + 3) & ~3)
                    guard desc + descSize <= offset + size else { break }
                    // NT_GNU_BUILD_ID = 3, owner "GNU\0".
                    if noteType == 3, nameSize == 4, u32(name) == 0x0055_4E47, descSize > 0 {
                        return (desc..<(desc + descSize)).map { String(format: "%02x", raw[$0]) }.joined()
                    }
                    note = desc + ((descSize + 3) & ~3)
                }
            }
            return nil
        }
    }

    static func executableStat() -> String? {
        var st = stat()
        guard stat("/proc/self/exe", &st) == 0 else { return nil }
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "?"
        return "exe:\(path):\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec):\(st.st_ino)"
    }
}
