import Foundation
import NIOCore
import ProfileIndex
import Testing

/// The flame graph written by hand is the document JSONEncoder writes for the same tree:
/// the same keys and values once parsed, names with quotes, backslashes, control characters
/// and non-ASCII text included, `file` left out when absent.
@Suite("Flame graph JSON")
struct FlameGraphJSONTests {
    static let tree = FlameGraphNode(name: "root", total: 100, selfValue: 0, children: [
        FlameGraphNode(name: #"main.(*T).say "hi"\ \n"#, file: "/src/main.go", total: 60, selfValue: 10, children: [
            FlameGraphNode(name: "tab\there\nnewline\r\u{01}\u{1F}", file: "C:\\src\\x.go", total: 50, selfValue: 50),
        ]),
        FlameGraphNode(name: "über/日本語/😀", file: nil, total: 40, selfValue: 40),
        FlameGraphNode(name: "", file: "", total: Int64.max, selfValue: Int64.min),
    ])

    @Test func handWrittenIsWhatJSONEncoderWrites() throws {
        var buffer = ByteBuffer()
        Self.tree.appendJSON(to: &buffer)
        let mine = try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.tree)) as? NSDictionary
        #expect(mine != nil)
        #expect(mine == theirs)
        // And it reads back into the same tree.
        #expect(try JSONDecoder().decode(FlameGraphNode.self, from: Data(buffer.readableBytesView)) == Self.tree)
    }
}
