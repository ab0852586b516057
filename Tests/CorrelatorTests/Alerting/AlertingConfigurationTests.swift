import Correlator
import Foundation
import Testing

@Suite("rule_files, alerting and web configuration")
struct AlertingConfigurationTests {
    @Test func sectionsAreReadRelativeToTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("correlator.yml").path
        try """
            rule_files: [rules/*.yml, /etc/abs.yml]
            alerting:
              alertmanagers: [{url: "http://127.0.0.1:9093/"}]
              webhooks: [{url: "https://hooks.example/x"}]
              resend_delay: 30s
            web:
              external_url: https://correlator.example/
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let configuration = try CorrelatorConfiguration.load(configFile: file, environment: [:])
        #expect(configuration.ruleFiles == [directory.path + "/rules/*.yml", "/etc/abs.yml"])
        #expect(configuration.alerting.alertmanagers == ["http://127.0.0.1:9093"])
        #expect(configuration.alerting.webhooks == ["https://hooks.example/x"])
        #expect(configuration.alerting.resendDelay == .seconds(30))
        #expect(configuration.resolvedExternalURL == "https://correlator.example")
        #expect(CorrelatorConfiguration().alerting.resendDelay == .seconds(60))
        #expect(CorrelatorConfiguration().resolvedExternalURL == "http://127.0.0.1:4318")
    }

    @Test func badValuesNameTheLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString).yml").path
        try "alerting:\n  resend_delay: soon\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect {
            try CorrelatorConfiguration.load(configFile: file, environment: [:])
        } throws: { error in
            "\(error)".contains("'resend_delay' must be a positive duration")
        }
    }
}
