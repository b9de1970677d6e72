import TitanTestSupport
import Testing
import TitanBackends
import TitanUInt256

@Suite("Keccak-256 (Ethereum's, not SHA3-256)", .watched)
struct Keccak256Tests {
    func hex(_ s: String) -> String { Hex.encode(Keccak256.hash(Array(s.utf8))) }

    @Test("published vectors: empty, abc, the quick brown fox")
    func published() {
        #expect(hex("") == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        #expect(hex("abc") == "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
        #expect(hex("The quick brown fox jumps over the lazy dog") == "0x4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15")
    }

    // Expected values computed with pycryptodome's keccak (digest_bits=256).
    @Test("rate boundary and multi-block inputs: 136, 137 and 300 bytes")
    func multiBlock() {
        #expect(hex(String(repeating: "a", count: 136)) == "0xa6c4d403279fe3e0af03729caada8374b5ca54d8065329a3ebcaeb4b60aa386e")
        #expect(hex(String(repeating: "a", count: 137)) == "0xd869f639c7046b4929fc92a4d988a8b22c55fbadb802c0c66ebcd484f1915f39")
        #expect(Hex.encode(Keccak256.hash((0..<300).map { UInt8($0 % 256) })) == "0xa679e749a6af300c36e7ff2255d220864eab27b382f9cfdc5aa4d13563ba36ff")
    }
}

@Suite("UInt256", .watched)
struct UInt256Tests {
    @Test("decimal round trip at the edges, overflow reported")
    func decimal() {
        let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935"
        #expect(UInt256(decimal: max) == .max)
        #expect(UInt256.max.description == max)
        #expect(UInt256(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639936") == nil)
        #expect(UInt256(decimal: "18446744073709551616")?.description == "18446744073709551616")
        #expect(UInt256(decimal: "12a") == nil)
        // Leading zeros are digits like any other: a slot written with 80 of them is still 42.
        #expect(UInt256(decimal: String(repeating: "0", count: 80) + "42") == UInt256(42))
        #expect(UInt256.max.addingReportingOverflow(UInt256(1)).overflow)
        #expect(UInt256.zero.subtractingReportingOverflow(UInt256(1)).partialValue == .max)
        #expect(UInt256.maxOf(bits: 64) == UInt256(UInt64.max))
        #expect(UInt256.maxOf(bits: 120).bitWidth == 120)
        #expect(UInt256(bigEndian: UInt256.maxOf(bits: 130).bigEndianBytes) == UInt256.maxOf(bits: 130))
    }
}
