import Yams

/// The `tls:` block: one certificate and key securing both the HTTP and the OTLP/gRPC port,
/// optionally mutual TLS, as Prometheus's web configuration takes it.
///
/// ```yaml
/// tls:
///   cert_file: /etc/correlator/server.crt   # PEM, the server certificate then its chain
///   key_file: /etc/correlator/server.key    # PEM
///   client_ca_file: /etc/correlator/ca.crt  # optional: clients must present a certificate it signed
///   min_version: TLS12                      # TLS12 (default) or TLS13
/// ```
///
/// The certificate and key are read again on `POST /-/reload` and SIGHUP (a failed read keeps
/// the previous pair and says why); the client CA and the minimum version need a restart.
public struct TLSSettings: Sendable, Equatable {
    public enum MinimumVersion: String, Sendable {
        case tls12 = "TLS12"
        case tls13 = "TLS13"
    }

    public var certFile: String
    public var keyFile: String
    public var clientCAFile: String?
    public var minimumVersion: MinimumVersion = .tls12

    public init(certFile: String, keyFile: String, clientCAFile: String? = nil, minimumVersion: MinimumVersion = .tls12) {
        self.certFile = certFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
        self.minimumVersion = minimumVersion
    }

    static func parse(_ node: Node, path: String) throws -> TLSSettings {
        let location = "\(path):\(node.mark?.line ?? 0)"
        guard let mapping = node.mapping else {
            throw ConfigurationError.invalid(location, "'tls' must be a mapping with cert_file and key_file")
        }
        var values: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.string, ["cert_file", "key_file", "client_ca_file", "min_version"].contains(name) else {
                throw ConfigurationError.invalid("\(path):\(key.mark?.line ?? 0)", "'tls' takes cert_file, key_file, client_ca_file and min_version, not '\(key.string ?? "")'")
            }
            guard let text = value.scalar?.string, !text.isEmpty else {
                throw ConfigurationError.invalid("\(path):\(value.mark?.line ?? 0)", "tls.\(name) must be a non-empty string")
            }
            values[name] = text
        }
        guard let cert = values["cert_file"], let key = values["key_file"] else {
            throw ConfigurationError.invalid(location, "'tls' needs both cert_file and key_file")
        }
        var settings = TLSSettings(certFile: cert, keyFile: key, clientCAFile: values["client_ca_file"])
        if let version = values["min_version"] {
            guard let parsed = MinimumVersion(rawValue: version.uppercased()) else {
                throw ConfigurationError.invalid(location, "tls.min_version: TLS12 or TLS13, got '\(version)'")
            }
            settings.minimumVersion = parsed
        }
        return settings
    }
}
