import Foundation
import Rules
import Yams

/// Where alerts go and how often they are re-sent (`alerting:` in the configuration file).
///
/// ```yaml
/// rule_files: [rules/*.yml]             # globs, relative to the configuration file
/// alerting:
///   alertmanagers: [{url: http://127.0.0.1:9093}]
///   webhooks: [{url: https://hooks.example/correlator}]
///   resend_delay: 1m                    # re-send firing alerts this often (Prometheus's default)
///   evaluation_interval: 1m             # for groups without `interval:`
///   tenant: default                     # whose profiles the rules read
/// web:
///   external_url: https://correlator.example   # base of the jump links in alerts
/// ```
public struct AlertingConfiguration: Sendable, Hashable {
    /// Alertmanager base URLs; alerts are posted to `{url}/api/v2/alerts`.
    public var alertmanagers: [String] = []
    /// Generic webhook URLs; alerts are posted to the URL as ``WebhookEnvelope``.
    public var webhooks: [String] = []
    /// How often a firing alert is re-sent (Prometheus's `--rules.alert.resend-delay`).
    public var resendDelay: Duration = .seconds(60)
    /// The interval of groups that set none (Prometheus's `evaluation_interval`).
    public var evaluationInterval: Duration = .seconds(60)
    /// The tenant whose profiles the rules read and whose alerts they raise.
    public var tenant = "default"

    public init() {}

    mutating func apply(_ node: Node, path: String) throws {
        guard let mapping = node.mapping else {
            throw ConfigurationError.invalid("\(path):\((node.mark?.line ?? 0))", "'alerting' must be a mapping")
        }
        for (key, value) in mapping {
            let name = key.string ?? ""
            let location = "\(path):\(key.mark?.line ?? 0)"
            switch name {
            case "alertmanagers":
                alertmanagers = try Self.urls(value, name: name, location: location)
            case "webhooks":
                webhooks = try Self.urls(value, name: name, location: location)
            case "resend_delay", "evaluation_interval":
                guard let text = value.string, let duration = Duration(prometheus: text), duration > .zero else {
                    throw ConfigurationError.invalid(location, "'\(name)' must be a positive duration such as 1m")
                }
                if name == "resend_delay" { resendDelay = duration } else { evaluationInterval = duration }
            case "tenant":
                guard let text = value.string, !text.isEmpty else {
                    throw ConfigurationError.invalid(location, "'tenant' must be a non-empty string")
                }
                tenant = text
            default:
                throw ConfigurationError.invalid(location, "unknown setting 'alerting.\(name)' (alertmanagers, webhooks, resend_delay, evaluation_interval, tenant)")
            }
        }
    }

    /// `[{url: …}, …]` (Prometheus-like) or a plain list of URL strings.
    static func urls(_ node: Node, name: String, location: String) throws -> [String] {
        guard let sequence = node.sequence else {
            throw ConfigurationError.invalid(location, "'\(name)' must be a list of {url: …}")
        }
        return try sequence.map { item in
            let text = item.string ?? item.mapping?["url"]?.string
            guard let text, let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ConfigurationError.invalid("\(location)", "each entry of '\(name)' needs an http(s) url, got \(item.string ?? item.mapping?["url"]?.string ?? "nothing")")
            }
            return text.hasSuffix("/") ? String(text.dropLast()) : text
        }
    }

    /// Rule file globs of a `rule_files:` node, made absolute relative to the configuration file.
    static func ruleFiles(_ node: Node, path: String) throws -> [String] {
        let location = "\(path):\(node.mark?.line ?? 0)"
        let items: [String]
        if let single = node.string {
            items = [single]
        } else if let sequence = node.sequence {
            items = try sequence.map { item in
                guard let text = item.string, !text.isEmpty else {
                    throw ConfigurationError.invalid(location, "'rule_files' must be a list of paths or globs")
                }
                return text
            }
        } else {
            throw ConfigurationError.invalid(location, "'rule_files' must be a list of paths or globs")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return items.map { $0.hasPrefix("/") ? $0 : directory + "/" + $0 }
    }

    /// `web: {external_url: …}`.
    static func externalURL(_ node: Node, path: String) throws -> String? {
        guard let mapping = node.mapping else {
            throw ConfigurationError.invalid("\(path):\(node.mark?.line ?? 0)", "'web' must be a mapping")
        }
        var result: String?
        for (key, value) in mapping {
            let location = "\(path):\(key.mark?.line ?? 0)"
            guard key.string == "external_url" else {
                throw ConfigurationError.invalid(location, "unknown setting 'web.\(key.string ?? "")' (external_url)")
            }
            guard let text = value.string, let url = URL(string: text), url.scheme != nil, url.host != nil else {
                throw ConfigurationError.invalid(location, "'web.external_url' must be an absolute URL")
            }
            result = text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        return result
    }
}
