import BigInt
import Foundation
import TitanTestSupport
import Testing
import TitanInterp

/// A byte string of sort `bytes<N>` is the number `length * 2^(8N) + content`, with the content
/// read big-endian (see `Sort.bytes`). The interpreter builds and reads it word by word.
@Suite("Byte-string values", .watched)
struct ValueEncodingTests {
    static func arithmetic(_ data: [UInt8], maxLength: Int) -> BigUInt {
        (BigUInt(data.count) << (8 * maxLength)) | BigUInt(Data(data))
    }

    @Test("match their arithmetic definition and read back unchanged", arguments: [1, 7, 8, 9, 31, 32, 33, 64, 256])
    func roundTrip(maxLength: Int) {
        var rng = SystemRandomNumberGenerator()
        var samples: [[UInt8]] = [[], [0], [0, 0], [0xff], Array(repeating: 0, count: maxLength), Array(repeating: 0xff, count: maxLength)]
        for _ in 0..<200 {
            let n = Int.random(in: 0...maxLength, using: &rng)
            samples.append((0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
        for data in samples where data.count <= maxLength {
            let v = Value.bytes(data, maxLength: maxLength)
            #expect(v == .bits(ValueEncodingTests.arithmetic(data, maxLength: maxLength)), "\(data) as bytes<\(maxLength)>")
            #expect(v.byteArray(maxLength: maxLength) == data, "\(data) as bytes<\(maxLength)>")
        }
    }

    @Test("equal strings make equal values however they were built")
    func canonical() {
        let built = Value.bytes([0, 1, 2], maxLength: 64)
        let computed = Value.bits(ValueEncodingTests.arithmetic([0, 1, 2], maxLength: 64))
        #expect(built == computed)
        #expect(built.hashValue == computed.hashValue)
        #expect(Value.bytes([], maxLength: 64) != Value.bytes([0], maxLength: 64))
    }
}

/// Division and remainder by powers of two take a shortcut in the interpreter (byte-string
/// lengths divide by 2^(8N)); it must agree with long division everywhere.
@Suite("Concrete division", .watched)
struct ConcreteDivisionTests {
    @Test("udiv and urem agree with long division, powers of two and zero included")
    func agreesWithLongDivision() {
        let d = ConcreteDomain()
        var rng = SystemRandomNumberGenerator()
        var divisors: [BigUInt] = [0, 1, 2, 3, 6, 255, 256, (BigUInt(1) << 64) - 1, BigUInt(1) << 64, (BigUInt(1) << 64) + 1,
                                   BigUInt(1) << 512, (BigUInt(1) << 512) | 1, (BigUInt(1) << 2048) + (BigUInt(1) << 100)]
        for k in [0, 1, 7, 63, 64, 65, 127, 128, 255, 511, 2048] { divisors.append(BigUInt(1) << k) }
        for _ in 0..<100 {
            let dividend = BigUInt.randomInteger(withMaximumWidth: 2100, using: &rng)
            for divisor in divisors {
                let q = d.udiv(.bits(dividend), .bits(divisor), width: 2100).asBits
                let r = d.urem(.bits(dividend), .bits(divisor), width: 2100).asBits
                #expect(q == (divisor == 0 ? 0 : dividend / divisor), "\(dividend) / \(divisor)")
                #expect(r == (divisor == 0 ? 0 : dividend % divisor), "\(dividend) % \(divisor)")
            }
        }
    }
}
