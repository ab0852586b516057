import Testing

@testable import Exemplars

/// Damaged input must end in an error that names a position inside it, never a crash (the
/// debug build checks every buffer access) or a silent success of the wrong kind.
@Suite struct RobustnessTests {
    @Test func everyPrefixOfTheFixtureFailsCleanly() throws {
        let bytes = try FixturePath.bytes(FixturePath.metrics)
        let lines = bytes.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let parser = ExpositionParser(format: .openMetrics)
        for length in 0..<bytes.count - "# EOF".utf8.count {
            let prefix = Array(bytes[0..<length])
            do {
                _ = try parser.exemplars(in: prefix, defaultTimestamp: 0)
                Issue.record("a prefix of \(length) bytes has no '# EOF' but parsed")
            } catch {
                #expect(error.line >= 1 && error.line <= lines)
                #expect(error.column >= 1)
            }
            // The 0.0.4 parser reads the same bytes without crashing (it rejects exemplars).
            _ = try? ExpositionParser(format: .prometheusText).samples(in: prefix)
        }
    }

    @Test func randomByteFlipsFailCleanly() throws {
        let original = try FixturePath.bytes(FixturePath.metrics)
        var generator = SeededGenerator(seed: 0x5eed)
        for _ in 0..<500 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            for format in ExpositionFormat.allCases {
                do {
                    _ = try ExpositionParser(format: format).samples(in: bytes)
                } catch {
                    #expect(error.line >= 1 && error.column >= 1)
                }
            }
        }
    }

    /// Every prefix of a PromQL query, and random damage to it, ends (the scan always moves on)
    /// in selectors or an error with a column inside the text.
    @Test func damagedExpressionsFailCleanly() {
        let query = #"histogram_quantile(0.99, sum by (le) (rate(a_bucket{job="x", le!~'0\\.1|`+Inf`'}[5m] offset 1m))) / on (job) group_left b{c=~"d"} # e"#
        let scalars = Array(query.unicodeScalars)
        let alphabet = Array(#"(){}[]"'`#,=!~ \az09."#.unicodeScalars)
        var generator = SeededGenerator(seed: 11)
        var inputs = (0...scalars.count).map { String(String.UnicodeScalarView(scalars[0..<$0])) }
        for _ in 0..<500 {
            var damaged = scalars
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                damaged[Int.random(in: 0..<damaged.count, using: &generator)] = alphabet.randomElement(using: &generator)!
            }
            inputs.append(String(String.UnicodeScalarView(damaged)))
        }
        for input in inputs {
            do {
                let selectors = try SeriesSelector.selectors(inExpression: input)
                #expect(!selectors.isEmpty)
            } catch {
                #expect(error.column >= 1 && error.column <= input.unicodeScalars.count + 1, "\(input): \(error)")
            }
        }
    }

    @Test func damagedRemoteWriteBodiesFailCleanly() throws {
        let message = RemoteWriteEncoder.encodeMessage(RemoteWriteTests.request())
        for length in 0..<message.count {
            _ = try? RemoteWriteDecoder().decode(message: Array(message[0..<length]), defaultTimestamp: 0)
        }
        let body = Snappy.compress(message)
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<500 {
            var damaged = body
            let index = Int.random(in: 0..<damaged.count, using: &generator)
            damaged[index] = UInt8.random(in: 0...255, using: &generator)
            do {
                _ = try RemoteWriteDecoder().decode(body: damaged, defaultTimestamp: 0)
            } catch {
                if let offset = error.offset {
                    #expect(offset >= 0 && offset <= (error.location == .compressedBody ? damaged.count : 64 << 20))
                }
            }
        }
    }
}

/// SplitMix64, so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
