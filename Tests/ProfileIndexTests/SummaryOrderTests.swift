import Testing
@testable import ProfileIndex

/// summary() orders functions by name then filename as Swift compares Strings, whether it sorts
/// byte keys (ASCII names) or falls back to comparing Strings (anything else).
@Suite struct SummaryOrderTests {
    static func summary(_ functions: [(name: String, file: String)]) throws -> ProfileSummary {
        var builder = PprofBuilder()
        builder.sampleType("samples", "count")
        for (index, function) in functions.enumerated() {
            builder.function(id: UInt64(index + 1), name: function.name, file: function.file)
            builder.location(id: UInt64(index + 1), functions: [UInt64(index + 1)])
        }
        for index in functions.indices.reversed() {
            builder.sample(locations: [UInt64(index + 1)], values: [Int64(index + 1)])
        }
        builder.sample(locations: [1], values: [0])  // a zero sample adds no function
        return try PprofDecoder().decode(builder.encoded()).summary()
    }

    static let ascii: [(name: String, file: String)] = [
        ("main.b", "b.go"), ("main.a", "z.go"), ("main.a", "a.go"), ("main.ab", "a.go"), ("main", "x.go"),
        ("Main.z", "a.go"), ("main.a.b", "a.go"), ("main_a", "a.go"), ("main.a", "a.go/x"), ("main", "a.go"),
    ]

    @Test(arguments: [
        ascii,
        ascii + [("main.é", "a.go"), ("main.e\u{301}x", "a.go"), ("main.日本", "b.go")],  // not ASCII
        ascii + [("main.a\0b", "a.go"), ("main.a", "\0.go")],  // NULs
    ])
    func functionsAreInStringOrder(functions: [(name: String, file: String)]) throws {
        let summary = try Self.summary(functions)
        let expected = functions.sorted { ($0.name, $0.file) < ($1.name, $1.file) }
        #expect(summary.functions.map(\.name) == expected.map(\.name))
        #expect(summary.functions.map(\.filename) == expected.map(\.file))
    }
}
