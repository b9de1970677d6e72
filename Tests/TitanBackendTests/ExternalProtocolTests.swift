import Foundation
import TitanProcess
import TitanTestSupport
import Testing
@testable import TitanBackends
import TitanUInt256

/// Replies from external backends are read by a direct reader for the flat shape every reply
/// has, and by JSONSerialization otherwise. Whichever reads a line, the fuzzer must see the
/// same fields, and a line JSON refuses must be refused.
@Suite("External protocol replies", .watched)
struct ExternalProtocolTests {
    /// The fields of a parsed object, with numbers and strings told apart, for comparison.
    static func normalized(_ o: [String: Any]?) -> [String: String]? {
        o?.mapValues { v in
            if let s = v as? String { return "s:" + s }
            if let i = ExternalProtocol.integer(v) { return "i:\(i)" }
            return "other:\(v)"
        }
    }

    static let lines = [
        #"{"id":1,"ret":0}"#, #"{ "id" : 7 , "ret" : -2 , "out_len" : 300 }"#, #"{"id":3,"ret":0,"value":"0x00ff"}"#,
        #"{"id":4,"ret":0,"amount":"115792089237316195423570985008687907853269984665640564039457584007913129639935"}"#,
        "{}", " {\"id\":1}\t", #"{"id":-0,"ret":0}"#,
        // Shapes the direct reader leaves to JSONSerialization, which accepts them.
        #"{"id":1,"ret":0,"value":"\u0041"}"#, #"{"id":1,"ret":0,"extra":{"nested":true}}"#, #"{"id":1,"ret":1.5}"#,
        #"{"id":1,"ret":0,"note":"héllo"}"#, #"{"id":1,"ret":true}"#, #"{"id":1,"ret":null}"#, #"{"id":1,"ret":1e2}"#,
        #"{"id":99999999999999999999,"ret":0}"#,
        // Not JSON objects at all.
        "", "hello", "[1,2]", #"{"id":1,"ret":0"#, #"{"id":1,"ret":0}}"#, #"{"id":1 "ret":0}"#, #"{"id":01,"ret":0}"#,
        #"{"id":1,"ret":-}"#, #"{"id":1,,"ret":0}"#, #"{"id":1,"ret":0,}"#, #"{id:1}"#, #"{"id":1,"ret":"unterminated}"#,
    ]

    @Test("read the same fields as JSONSerialization, and refuse what it refuses", arguments: lines)
    func agreesWithFoundation(line: String) {
        let bytes = Array(line.utf8)
        let ours = ExternalProtocol.replyObject(bytes[...])
        let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        #expect((ours == nil) == (foundation == nil), "\(line)")
        #expect(Self.normalized(ours) == Self.normalized(foundation), "\(line)")
    }

    @Test("the direct reader takes the common shapes itself")
    func directReaderTakesFlatReplies() {
        #expect(ExternalProtocol.flatObject(Array(#"{"id":12,"ret":-1}"#.utf8)[...]) != nil)
        #expect(ExternalProtocol.flatObject(Array(#"{"id":1,"ret":0,"value":"0xab","out_len":1}"#.utf8)[...]) != nil)
        #expect(ExternalProtocol.flatObject(Array(#"{"id":1,"id":2}"#.utf8)[...]) == nil)
        #expect(ExternalProtocol.flatObject(Array(#"{"id":1,"ret":true}"#.utf8)[...]) == nil)
    }

    @Test("requests written as bytes are the JSON Docs/fuzzing.md documents")
    func requestsRoundTrip() throws {
        let a = Address([UInt8](repeating: 0, count: 19) + [7]), b = Address([UInt8](repeating: 0xab, count: 20))
        let ops: [TitanCall] = [.reset, .storageWrite(key: [0, 1], value: []), .storageRead(key: [0xff], bufLen: 32),
                                .storageDelete(key: []), .mint(to: a, amount: UInt256(42)), .transfer(from: a, to: b, amount: .zero),
                                .balance(b), .totalSupply]
        for (i, op) in ops.enumerated() {
            let text = ExternalProtocol.request(id: i + 1, op)
            let obj = try #require((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any], "\(text)")
            #expect(ExternalProtocol.integer(obj["id"]) == i + 1)
            #expect(obj["op"] as? String == op.name)
            #expect(try ExternalProtocol.operation(from: obj) == op, "\(text)")
        }
    }

    @Test("a spawned child gets no descriptor of ours but 0, 1 and 2, so it cannot hold up a reader of another pipe")
    func childrenGetNoStrayDescriptors() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)   // deliberately without close-on-exec
        defer { close(fds[0]) }
        let child = try ChildProcess(shellCommand: "sleep 30")
        defer { child.terminate() }
        close(fds[1])
        // Had the child kept the write end, the read end would see no end of file for 30 s.
        var ready = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
        try #require(poll(&ready, 1, 5000) == 1, "the child holds the write end")
        var byte: UInt8 = 0
        #expect(read(fds[0], &byte, 1) == 0)
    }
}
