import Foundation

/// JSON-RPC base protocol framing: `Content-Length: N\r\n\r\n` then N bytes of JSON. Hand-written
/// because no Swift LSP library is available here; other headers (Content-Type) are ignored.
public enum Framing {
    /// One message as it goes on the wire.
    public static func encode(_ body: Data) -> Data {
        Data("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
    }

    /// Bodies larger than this are refused: a corrupt length must not make the server allocate.
    public static let maxBody = 64 << 20

    /// Collects bytes as they arrive and cuts them into message bodies.
    public struct Decoder {
        private var buffer = Data()

        public init() {}

        public mutating func append(_ bytes: Data) { buffer.append(bytes) }

        /// The next complete body, nil until one has fully arrived. A header block without a valid
        /// Content-Length is dropped and thrown, so the stream can resynchronise on the next one.
        public mutating func next() throws -> Data? {
            let separator = Data("\r\n\r\n".utf8)
            guard let end = buffer.range(of: separator) else { return nil }
            let header = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
            var length: Int?
            for line in header.split(separator: "\r\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-length" {
                    length = Int(parts[1].trimmingCharacters(in: .whitespaces))
                }
            }
            guard let length, length >= 0, length <= Framing.maxBody else {
                buffer.removeSubrange(buffer.startIndex..<end.upperBound)
                throw Error(description: "message header without a valid Content-Length: \(header.prefix(200))")
            }
            guard buffer.count - (end.upperBound - buffer.startIndex) >= length else { return nil }
            let body = buffer[end.upperBound..<(end.upperBound + length)]
            let result = Data(body)
            buffer.removeSubrange(buffer.startIndex..<(end.upperBound + length))
            return result
        }
    }
}
