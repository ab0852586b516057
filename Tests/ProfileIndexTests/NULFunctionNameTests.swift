import Testing

@testable import ProfileIndex

/// py-spy inside the Pyroscope Python SDK reads frame names from a running interpreter and can
/// catch one half-written, with a NUL in it. The store cannot hold NUL, and refusing the profile
/// lost the SDK's whole upload window, so ingest repairs the names (``Profile/replaceNULInFunctions()``).
@Suite struct NULFunctionNameTests {
    /// Two torn names, one of which becomes equal to a function already in the profile, and a
    /// clean one. The values are the ones written into the pprof below.
    static func tornProfile() throws -> Profile {
        var pprof = PprofBuilder()
        pprof.sampleType("samples", "count")
        pprof.function(id: 1, name: "py\u{0}8859_16.py", file: "<frozen>")
        pprof.function(id: 2, name: "work\u{FFFD}", file: "app.py")
        pprof.function(id: 3, name: "work\u{0}", file: "app.py")
        pprof.function(id: 4, name: "main", file: "app\u{0}.py")
        pprof.location(id: 1, functions: [1])
        pprof.location(id: 2, functions: [2])
        pprof.location(id: 3, functions: [3])
        pprof.location(id: 4, functions: [4])
        pprof.sample(locations: [1, 4], values: [5])
        pprof.sample(locations: [2, 4], values: [3])
        pprof.sample(locations: [3, 4], values: [4])
        return try PprofDecoder().decode(pprof.encoded())
    }

    @Test func tornNamesAreRepairedAndTheirSamplesKept() throws {
        var profile = try Self.tornProfile()
        #expect(profile.replaceNULInFunctions() == 3)
        #expect(!profile.functions.contains { $0.name.utf8.contains(0) || $0.filename.utf8.contains(0) })
        let summary = profile.summary()
        #expect(summary.totals == [12])
        #expect(summary.function(named: "py\u{FFFD}8859_16.py")?.flat == [5])
        // "work\0" became "work\u{FFFD}", the same function as id 2: one row, 3 + 4 samples.
        #expect(summary.functions.filter { $0.name == "work\u{FFFD}" }.count == 1)
        #expect(summary.function(named: "work\u{FFFD}")?.flat == [7])
        #expect(summary.function(named: "main")?.filename == "app\u{FFFD}.py")
        #expect(summary.function(named: "main")?.cum == [12])
        #expect(summary.function(named: "main")?.flat == [0] || summary.function(named: "main")?.flat == nil)
    }

    @Test func profilesWithoutNULAreLeftAlone() throws {
        var pprof = PprofBuilder()
        pprof.sampleType("samples", "count")
        pprof.function(id: 1, name: "main.work")
        pprof.location(id: 1, functions: [1])
        pprof.sample(locations: [1], values: [2])
        var profile = try PprofDecoder().decode(pprof.encoded())
        let before = profile.summary()
        #expect(profile.replaceNULInFunctions() == 0)
        #expect(profile.summary() == before)
    }
}
