import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…` URL (libpq's form; `host=/dir`
/// in the query selects a Unix socket directory).
public struct DatabaseURL: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var socketDirectory: String?
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: String

    public init(_ string: String) throws {
        guard let components = URLComponents(string: string),
              let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else {
            throw ConfigurationError.invalid("database URL", "expected postgres://user:password@host:port/database")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        self.host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        self.port = components.port ?? Int(query["port"] ?? "") ?? 5432
        self.socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        self.username = components.user.flatMap { $0.removingPercentEncoding } ?? query["user"] ?? "postgres"
        self.password = components.password.flatMap { $0.removingPercentEncoding } ?? query["password"]
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? self.username : (path.removingPercentEncoding ?? path)
        self.sslMode = query["sslmode"] ?? "prefer"
        guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(sslMode) else {
            throw ConfigurationError.invalid("database URL", "unknown sslmode '\(sslMode)'")
        }
    }

    /// The URL without its password, for logs and error messages.
    public var description: String {
        if let socketDirectory { return "postgres://\(username)@/\(database)?host=\(socketDirectory)" }
        return "postgres://\(username)@\(host):\(port)/\(database)"
    }

    public var clientConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)",
                username: username, password: password, database: database
            )
        } else {
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            let tls: PostgresClient.Configuration.TLS
            switch sslMode {
            case "disable":
                tls = .disable
            case "verify-ca", "verify-full":
                tlsConfiguration.certificateVerification = sslMode == "verify-full" ? .fullVerification : .noHostnameVerification
                tls = .require(tlsConfiguration)
            case "require":
                tlsConfiguration.certificateVerification = .none
                tls = .require(tlsConfiguration)
            default:
                tlsConfiguration.certificateVerification = .none
                tls = .prefer(tlsConfiguration)
            }
            configuration = .init(host: host, port: port, username: username, password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}
