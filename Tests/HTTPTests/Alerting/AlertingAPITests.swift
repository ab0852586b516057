import Correlator
import Foundation
import HTTP
import Hummingbird
import HummingbirdTesting
import Logging
import Rules
import Testing
import TestSupport

@Suite("Rules and alerts API against a real PostgreSQL")
struct AlertingAPITests {
    static let rules = """
        groups:
          - name: leaks
            interval: 1s
            rules:
              - alert: GoroutineLeak
                leak: {sample_type: goroutine, window: 10m, min_points: 3, min_relative_growth: 0.2}
                annotations: {summary: '{{service}} leaks'}
        """

    @Test func rulesAlertsAndReload() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let logger = Logger(label: "test")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let file = directory.appendingPathComponent("leaks.yml").path
            try Self.rules.write(toFile: file, atomically: true, encoding: .utf8)

            // Goroutines of `leaky` grow 100 → 200 over 4 profiles.
            let end = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 60).rounded(.down))
            for i in 0..<4 {
                let time = end.addingTimeInterval(Double(i - 3) * 60)
                try await client.query(
                    """
                    INSERT INTO profiles (tenant, profile_id, service, type, sample_types, start_ts, start_unix_nano, duration_ns, totals)
                    VALUES ('default', \("p\(i)"), 'leaky', 'goroutine', '[{"type":"goroutine","unit":"count"}]', \(time), 0, 0, \([Int64(100 + 33 * i)]))
                    """
                )
            }
            let manager = try RuleManager(patterns: [directory.path + "/*.yml"], logger: logger)
            let engine = RuleEngine(
                client: client, tenant: "default", externalURL: "http://x", resendDelay: .seconds(60),
                notifier: AlertNotifier(alertmanagers: [], webhooks: [], externalURL: "http://x", logger: logger), logger: logger
            )
            try await engine.evaluate(try #require(await manager.groups.first), at: end)

            let store = Store(client: client, target: "test", migrator: try Migrator(directory: TestDatabase.migrationsDirectory, logger: logger), logger: logger)
            let app = Application(router: buildRouter(store: store, configuration: CorrelatorConfiguration(), ruleManager: manager))
            try await app.test(.router) { http in
                try await http.execute(uri: "/api/v1/rules", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
                    #expect(body["status"] as? String == "success")
                    let groups = (body["data"] as! [String: Any])["groups"] as! [[String: Any]]
                    #expect(groups.count == 1)
                    #expect(groups[0]["name"] as? String == "leaks")
                    #expect(groups[0]["file"] as? String == file)
                    #expect(groups[0]["interval"] as? Double == 1)
                    let rule = (groups[0]["rules"] as! [[String: Any]])[0]
                    #expect(rule["name"] as? String == "GoroutineLeak")
                    #expect(rule["type"] as? String == "alerting")
                    #expect(rule["health"] as? String == "ok")
                    #expect(rule["state"] as? String == "firing")
                    #expect(rule["lastEvaluation"] is String)
                    #expect((rule["alerts"] as! [[String: Any]]).count == 1)
                }
                try await http.execute(uri: "/api/v1/alerts", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
                    let alerts = (body["data"] as! [String: Any])["alerts"] as! [[String: Any]]
                    #expect(alerts.count == 1)
                    #expect(alerts.first?["state"] as? String == "firing")
                    #expect((alerts.first?["labels"] as? [String: String]) == ["alertname": "GoroutineLeak", "service": "leaky"])
                    #expect((alerts.first?["annotations"] as? [String: String])?["summary"] == "leaky leaks")
                    #expect((alerts.first?["annotations"] as? [String: String])?["evidence_values"] == "100 133 166 199")
                    #expect(alerts.first?["activeAt"] is String)
                }

                // A broken edit: reload fails with the line, the old rule stays in force.
                try "groups:\n  - name: leaks\n    rules:\n      - alert: X\n        leak: {window: nope}\n".write(toFile: file, atomically: true, encoding: .utf8)
                try await http.execute(uri: "/-/reload", method: .post) { response in
                    #expect(response.status == .badRequest)
                    let text = String(buffer: response.body)
                    #expect(text.contains("leaks.yml:5"), "\(text)")
                }
                try await http.execute(uri: "/api/v1/rules", method: .get) { response in
                    let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
                    let groups = (body["data"] as! [String: Any])["groups"] as! [[String: Any]]
                    #expect(((groups[0]["rules"] as! [[String: Any]])[0])["name"] as? String == "GoroutineLeak")
                    #expect(((body["warnings"] as? [String])?.first ?? "").contains("rule reload failed"))
                }
                // Fixed again: reload succeeds and the warning is gone.
                try Self.rules.replacingOccurrences(of: "GoroutineLeak", with: "Renamed").write(toFile: file, atomically: true, encoding: .utf8)
                try await http.execute(uri: "/-/reload", method: .post) { response in
                    #expect(response.status == .ok)
                }
                try await http.execute(uri: "/api/v1/rules", method: .get) { response in
                    let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
                    let groups = (body["data"] as! [String: Any])["groups"] as! [[String: Any]]
                    #expect(((groups[0]["rules"] as! [[String: Any]])[0])["name"] as? String == "Renamed")
                    #expect(body["warnings"] == nil)
                }
            }
        }
    }
}
