import Foundation
import Testing
@testable import Correlator

@Suite struct ProfileScrapeConfigTests {
    func load(_ yaml: String) throws -> CorrelatorConfiguration {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try CorrelatorConfiguration.load(configFile: path, environment: [:])
    }

    @Test func parsesJobsTargetsAndProfiles() throws {
        let configuration = try load("""
            profile_scrape_configs:
              - job_name: checkout
                interval: 5s
                targets: ["127.0.0.1:6060", "127.0.0.1:6061"]
                labels: {env: prod, service: checkout-api}
                profiles:
                  cpu: {seconds: 3}
                  heap: {}
                  mutex: {enabled: false}
              - job_name: worker
                static_configs:
                  - targets: ["10.0.0.1:6060"]
                    labels: {zone: a}
                profiles: [goroutine, allocs]
            """)
        let jobs = configuration.profileScrapeConfigs
        #expect(jobs.count == 2)
        #expect(jobs[0].interval == .seconds(5))
        #expect(jobs[0].service == "checkout-api")
        #expect(jobs[0].profiles == [.init(kind: .cpu, seconds: 3), .init(kind: .heap)])
        #expect(jobs[0].url(target: "127.0.0.1:6060", profile: jobs[0].profiles[0]) == "http://127.0.0.1:6060/debug/pprof/profile?seconds=3")
        #expect(jobs[0].requestTimeout(for: jobs[0].profiles[0]) == .seconds(13))
        #expect(jobs[1].service == "worker")
        #expect(jobs[1].targets == ["10.0.0.1:6060"])
        #expect(jobs[1].labels == ["zone": "a"])
        #expect(jobs[1].url(target: "10.0.0.1:6060", profile: jobs[1].profiles[1]) == "http://10.0.0.1:6060/debug/pprof/allocs")
    }

    @Test func errorsNameTheLine() throws {
        for (yaml, message) in [
            ("profile_scrape_configs:\n  - job_name: a\n    targets: [x:1]\n    profiles: [flame]\n", "unknown profile 'flame'"),
            ("profile_scrape_configs:\n  - targets: [x:1]\n", "'job_name' is required"),
            ("profile_scrape_configs:\n  - job_name: a\n    targets: [x:1]\n    interval: soon\n", "'interval' must be a duration"),
            ("profile_scrape_configs:\n  - job_name: a\n", "has no targets"),
        ] {
            #expect {
                _ = try load(yaml)
            } throws: { error in
                "\(error)".contains(message) && "\(error)".contains(".yaml:")
            }
        }
    }

    @Test func functionIDIsFNV1a() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c; the id hashes name, a zero byte, then the file.
        #expect(FunctionID.of(name: "main.main", filename: "main.go") == FunctionID.of(name: "main.main", filename: "main.go"))
        #expect(FunctionID.of(name: "main.main", filename: "a.go") != FunctionID.of(name: "main.mai", filename: "na.go"))
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in Array("a".utf8) + [0] { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        #expect(FunctionID.of(name: "a", filename: "") == Int64(bitPattern: hash))
    }

    @Test func timestampsAreUTCMicroseconds() {
        #expect(UTCTime(unixNano: 1_795_442_835_872_833_725).postgresText == "2026-11-23 14:07:15.872833+00")
        #expect(UTCTime(unixNano: 0).postgresText == "1970-01-01 00:00:00.000000+00")
        #expect(UTCTime(unixNano: -1_000).postgresText == "1969-12-31 23:59:59.999999+00")
    }
}
