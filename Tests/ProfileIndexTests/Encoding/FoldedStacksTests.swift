import ProfileIndex
import Testing

/// Folded and lines text, as Pyroscope's `/ingest` takes it, become profiles whose numbers are
/// the counts of the text (added up by hand below).
@Suite struct FoldedStacksTests {
    static func profile(_ text: String, format: FoldedStacks.Format = .folded, units: String = "", rate: Int64 = 100) throws -> Profile {
        let encoder = try FoldedStacks.parse(Substring(text), format: format, units: units, sampleRate: rate, maxSamples: 1000)
        return try PprofDecoder().decode(try encoder.gzipped())
    }

    @Test func foldedCountsBecomeSamplesAndCPUTime() throws {
        let text = "main;handle;hot (app.py:3) 30\nmain;handle;cold 10\n\n main;idle 5\nmain;handle;hot (app.py:3) 2\n 7\n"
        let profile = try Self.profile(text, rate: 100)
        #expect(profile.sampleTypes.map(\.description) == ["samples/count", "cpu/nanoseconds"])
        #expect(profile.period == 10_000_000)
        let summary = profile.summary()
        #expect(summary.totals == [47, 470_000_000])
        let hot = try #require(summary.function(named: "hot (app.py:3)"))
        #expect(hot.flat == [32, 320_000_000] && hot.cum == [32, 320_000_000])
        let handle = try #require(summary.function(named: "handle"))
        #expect(handle.flat == [0, 0] && handle.cum == [42, 420_000_000])
        #expect(summary.function(named: "main")?.cum == [47, 470_000_000])
    }

    @Test func linesAreOneSampleEachAndUnitsPickTheType() throws {
        let profile = try Self.profile("a;b\na;b\na;c\n", format: .lines, units: "objects")
        #expect(profile.sampleTypes.map(\.description) == ["inuse_objects/count"])
        #expect(profile.summary().function(named: "b")?.flat == [2])
        #expect(profile.summary().totals == [3])
    }

    /// A frame py-spy read half-written keeps its NUL here (the store replaces it) and its
    /// samples: refusing the line lost the whole upload.
    @Test func aTornFrameIsKeptWithItsSamples() throws {
        let profile = try Self.profile("a;b 1\na;py\u{0}8859_16.py 2\n")
        #expect(profile.summary().function(named: "py\u{0}8859_16.py")?.flat == [2, 20_000_000])
        #expect(profile.summary().totals == [3, 30_000_000])
    }

    @Test func badLinesNameTheirNumber() {
        #expect { _ = try Self.profile("a;b 3\na;b three\n") } throws: { ($0 as? FoldedStacks.ParseError)?.line == 2 }
        #expect { _ = try Self.profile("a;b 3\nno-count\n") } throws: { ($0 as? FoldedStacks.ParseError)?.line == 2 }
        #expect { _ = try Self.profile("a 1\n", units: "furlongs") } throws: { "\($0)".contains("units 'furlongs'") }
        #expect { _ = try FoldedStacks.parse("a 1\nb 1\nc 1\n", format: .folded, units: "", sampleRate: 100, maxSamples: 2) } throws: {
            "\($0)".contains("line 3") && "\($0)".contains("max_samples_per_profile")
        }
    }
}
