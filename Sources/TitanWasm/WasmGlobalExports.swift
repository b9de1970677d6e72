import WasmParser

/// Makes a module's mutable globals readable and writable from outside, by adding an export for
/// each one to its binary. A conformance run reuses one instance and puts it back to its state
/// after instantiation between runs; the linear memory is reachable through its export, but a
/// global that is not exported (clang's `__stack_pointer`, or state a hand-written module keeps
/// in a global) is not, and WasmKit has no other way in.
enum WasmGlobalExports {
    static let prefix = "__titan_global_"

    /// The module with an export `__titan_global_<index>` for every mutable global, and the names
    /// of the exports added.
    static func exportingMutableGlobals(_ bytes: [UInt8]) throws -> (bytes: [UInt8], names: [String]) {
        var parser = Parser(bytes: bytes)
        var importedGlobals = 0
        var mutable: [Int] = []
        while let payload = try parser.parseNext() {
            switch payload {
            case .importSection(let imports):
                for i in imports { if case .global = i.descriptor { importedGlobals += 1 } }
            case .globalSection(let globals):
                for (i, g) in globals.enumerated() where g.type.mutability == .variable { mutable.append(importedGlobals + i) }
            default: break
            }
        }
        if mutable.isEmpty { return (bytes, []) }
        let names = mutable.map { prefix + String($0) }
        var entries: [UInt8] = []
        for (name, index) in zip(names, mutable) {
            entries += leb(name.utf8.count) + Array(name.utf8) + [0x03] + leb(index)   // 0x03: a global
        }

        // Sections in the binary's order: the export section (7) is rewritten with the entries
        // appended, or made before the first section that must follow it.
        let afterExports: Set<UInt8> = [8, 9, 10, 11, 12]
        /// An export section of `count` entries: `existing` (already encoded), then the added ones.
        func exportSection(count: Int, existing: ArraySlice<UInt8> = []) -> [UInt8] {
            let content = leb(count + mutable.count) + Array(existing) + entries
            return [7] + leb(content.count) + content
        }
        var out = Array(bytes[0..<8])
        var position = 8
        var written = false
        while position < bytes.count {
            let id = bytes[position]
            var p = position + 1
            let size = readLEB(bytes, &p)
            let end = p + size
            if id == 7 {
                var q = p
                let count = readLEB(bytes, &q)
                out += exportSection(count: count, existing: bytes[q..<end])
                written = true
            } else {
                if !written && afterExports.contains(id) {
                    out += exportSection(count: 0)
                    written = true
                }
                out += bytes[position..<end]
            }
            position = end
        }
        if !written { out += exportSection(count: 0) }
        return (out, names)
    }

    static func leb(_ value: Int) -> [UInt8] {
        var v = UInt64(value), out: [UInt8] = []
        repeat {
            var byte = UInt8(v & 0x7f)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            out.append(byte)
        } while v != 0
        return out
    }

    static func readLEB(_ bytes: [UInt8], _ p: inout Int) -> Int {
        var result = 0, shift = 0
        while p < bytes.count {
            let byte = bytes[p]
            p += 1
            result |= Int(byte & 0x7f) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return result
    }
}
