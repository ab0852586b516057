import Correlator
import Foundation
import Testing

@Suite("auth: and limits: configuration")
struct AuthAndLimitsConfigurationTests {
    func load(_ yaml: String, files: [String: String] = [:]) throws -> CorrelatorConfiguration {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("correlator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let file = directory.appendingPathComponent("correlator.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return try CorrelatorConfiguration.load(configFile: file.path, environment: [:])
    }

    @Test func tokensNameTenantAndScopes() throws {
        let configuration = try load("""
            auth:
              tokens:
                - token: "0123456789abcdef-team-a"
                  tenant: team-a
                - token_file: ops.token
                  tenant: team-a
                  scopes: [read, admin]
            """, files: ["ops.token": "ops-secret-0123456789\nignored\n"])
        #expect(configuration.auth.isEnabled)
        let ingest = try #require(configuration.auth.token(matching: Array("0123456789abcdef-team-a".utf8)))
        #expect(ingest.tenant == "team-a" && ingest.scopes == [.ingest, .read])
        let ops = try #require(configuration.auth.token(matching: Array("ops-secret-0123456789".utf8)))
        #expect(ops.scopes == [.read, .admin])
        // Prefixes, extensions and near misses match nothing.
        for wrong in ["0123456789abcdef-team-", "0123456789abcdef-team-aa", "0123456789abcdef-team-b", "", "ops-secret-0123456789\n"] {
            #expect(configuration.auth.token(matching: Array(wrong.utf8)) == nil, "\(wrong)")
        }
        // Nothing prints the secrets.
        #expect(!"\(configuration.auth) \(configuration.auth.tokens)".contains("0123456789abcdef"))
        #expect(!CorrelatorConfiguration().auth.isEnabled)
    }

    @Test(arguments: [
        ("auth:\n  tokens:\n    - {token: short, tenant: a}", "at least 16"),
        ("auth:\n  tokens:\n    - {token: 0123456789abcdefgh, tenant: a/b}", "tenant"),
        ("auth:\n  tokens:\n    - {token: 0123456789abcdefgh, tenant: a, scopes: [write]}", "unknown scope 'write'"),
        ("auth:\n  tokens:\n    - {token: 0123456789abcdefgh, tenant: a}\n    - {token: 0123456789abcdefgh, tenant: b}", "same token"),
        ("auth:\n  users: []", "unknown setting 'auth.users'"),
        ("limits:\n  max_spans_per_request: -1", "positive"),
        ("limits:\n  write_timeout: soon", "duration"),
        ("limits:\n  routes:\n    v1/traces: {max_body_bytes: 10}", "route paths"),
        ("limits:\n  tenants:\n    a: {max_body_bytes: 10}", "is not a rate"),
        ("limits:\n  max_everything: 1", "unknown limit"),
    ])
    func badSettingsNameTheProblem(yaml: String, message: String) throws {
        do {
            _ = try load(yaml)
            Issue.record("accepted: \(yaml)")
        } catch let error as ConfigurationError {
            #expect(error.description.contains(message), "\(error)")
            #expect(!error.description.contains("0123456789abcdefgh"), "the error shows the token")
        }
    }

    @Test func limitsReadEverySettingAndTenantsInheritTheDefaults() throws {
        let configuration = try load("""
            limits:
              tenants:
                team-b: {ingest_requests_per_second: 20}
              max_body_bytes: 1000
              max_decompressed_bytes: 2000
              max_spans_per_request: 3
              max_samples_per_profile: 4
              max_series_per_request: 5
              max_labels_per_series: 6
              max_label_name_length: 7
              max_label_value_length: 8
              max_concurrent_writes: 9
              max_queued_writes: 0
              write_timeout: 2s
              ingest_requests_per_second: 100
              ingest_bytes_per_second: 1048576
              routes:
                /api/v1/profiles: {max_body_bytes: 5000}
            """)
        let limits = configuration.limits
        #expect(limits.maxBodyBytes == 1000 && limits.maxDecompressedBytes == 2000 && limits.maxSpansPerRequest == 3)
        #expect(limits.maxSamplesPerProfile == 4 && limits.maxSeriesPerRequest == 5 && limits.maxLabelsPerSeries == 6)
        #expect(limits.maxLabelNameLength == 7 && limits.maxLabelValueLength == 8)
        #expect(limits.maxConcurrentWrites == 9 && limits.maxQueuedWrites == 0 && limits.writeTimeout == .seconds(2))
        #expect(limits.maxBodyBytes(route: "/api/v1/profiles") == 5000 && limits.maxBodyBytes(route: "/v1/traces") == 1000)
        #expect(limits.largestBodyBytes == 5000)
        #expect(limits.rate(tenant: "anyone") == IngestRate(requestsPerSecond: 100, bytesPerSecond: 1_048_576))
        #expect(limits.rate(tenant: "team-b") == IngestRate(requestsPerSecond: 20, bytesPerSecond: 1_048_576))
    }
}
