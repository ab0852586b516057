import Foundation
import Yams

/// What a caller may do: send telemetry, read it, or operate the service.
public enum AuthScope: String, Sendable, Hashable, CaseIterable, Comparable {
    /// The write routes: OTLP traces and profiles, remote write, pushed expositions, pprof.
    case ingest
    /// The query API and the pages.
    case read
    /// Operations: `POST /-/reload`.
    case admin

    public static func < (lhs: AuthScope, rhs: AuthScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Bearer tokens from the configuration file (`auth:`), each naming the tenant it acts for and
/// the scopes it grants. With no tokens configured, authentication is off and `X-Scope-OrgID`
/// picks the tenant, as Tempo and Pyroscope do.
///
/// ```yaml
/// auth:
///   tokens:
///     - token: "9f2c…"              # or token_file: /run/secrets/team-a (first line)
///       tenant: team-a
///       scopes: [ingest, read]       # the default
///     - token_file: /run/secrets/ops
///       tenant: team-a
///       scopes: [read, admin]
/// ```
public struct AuthConfiguration: Sendable, CustomStringConvertible {
    /// One configured credential. Its ``description`` never shows the secret.
    public struct Token: Sendable, CustomStringConvertible {
        /// The tenant every request with this token is scoped to.
        public let tenant: String
        public let scopes: Set<AuthScope>
        fileprivate let secret: [UInt8]

        public init(secret: String, tenant: String, scopes: Set<AuthScope>) {
            self.secret = Array(secret.utf8)
            self.tenant = tenant
            self.scopes = scopes
        }

        public var description: String {
            "token(tenant: \(tenant), scopes: \(scopes.sorted().map(\.rawValue).joined(separator: ",")))"
        }
    }

    public var tokens: [Token] = []

    public init(tokens: [Token] = []) {
        self.tokens = tokens
    }

    /// Authentication is on as soon as one token is configured.
    public var isEnabled: Bool { !tokens.isEmpty }

    public var description: String { "auth(\(tokens.count) tokens)" }

    /// The token equal to `presented`, comparing against every configured token in time that
    /// depends only on the lengths of the configured tokens, never on where bytes first differ
    /// or which token matched.
    public func token(matching presented: some Collection<UInt8>) -> Token? {
        let presented = Array(presented)
        var found: Int = -1
        for (index, token) in tokens.enumerated() {
            let equal = Self.constantTimeEqual(token.secret, presented)
            // Branch-free selection: found keeps the first match.
            let mask = equal & (found < 0 ? 1 : 0)
            found = mask == 1 ? index : found
        }
        return found >= 0 ? tokens[found] : nil
    }

    /// 1 when equal, 0 otherwise; reads every byte of `secret` whatever `presented` holds.
    static func constantTimeEqual(_ secret: [UInt8], _ presented: [UInt8]) -> Int {
        var difference = UInt64(UInt(bitPattern: secret.count ^ presented.count))
        for index in 0..<secret.count {
            let other = index < presented.count ? presented[index] : ~secret[index]
            difference |= UInt64(secret[index] ^ other)
        }
        return difference == 0 ? 1 : 0
    }

    /// The tenant id rules of `X-Scope-OrgID`: 1 to 150 printable ASCII bytes without '/'.
    public static func isValidTenant(_ tenant: String) -> Bool {
        !tenant.isEmpty && tenant.utf8.count <= 150
            && tenant.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") }
    }

    static func parse(_ node: Node, path: String) throws -> AuthConfiguration {
        let location = "\(path):\(node.mark?.line ?? 0)"
        guard let mapping = node.mapping else {
            throw ConfigurationError.invalid(location, "'auth' must be a mapping with 'tokens'")
        }
        var configuration = AuthConfiguration()
        for (key, value) in mapping {
            let keyLocation = "\(path):\(key.mark?.line ?? 0)"
            guard key.string == "tokens" else {
                throw ConfigurationError.invalid(keyLocation, "unknown setting 'auth.\(key.string ?? "")' (tokens)")
            }
            guard let items = value.sequence else {
                throw ConfigurationError.invalid(keyLocation, "'auth.tokens' must be a list of {token, tenant, scopes}")
            }
            for item in items {
                configuration.tokens.append(try parseToken(item, path: path))
            }
        }
        var seen: Set<[UInt8]> = []
        for token in configuration.tokens where !seen.insert(token.secret).inserted {
            throw ConfigurationError.invalid(location, "two entries of 'auth.tokens' have the same token (tenant \(token.tenant))")
        }
        return configuration
    }

    private static func parseToken(_ node: Node, path: String) throws -> Token {
        let location = "\(path):\(node.mark?.line ?? 0)"
        guard let mapping = node.mapping else {
            throw ConfigurationError.invalid(location, "each entry of 'auth.tokens' is a mapping {token, tenant, scopes}")
        }
        var secret: String?
        var tenant: String?
        var scopes: Set<AuthScope> = [.ingest, .read]
        for (key, value) in mapping {
            let keyLocation = "\(path):\(key.mark?.line ?? 0)"
            switch key.string ?? "" {
            case "token":
                secret = value.string
            case "token_file":
                guard let file = value.string else {
                    throw ConfigurationError.invalid(keyLocation, "'token_file' must be a path")
                }
                let resolved = file.hasPrefix("/") ? file : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(file).path
                guard let text = try? String(contentsOfFile: resolved, encoding: .utf8) else {
                    throw ConfigurationError.invalid(keyLocation, "cannot read token_file \(resolved)")
                }
                secret = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            case "tenant":
                tenant = value.string
            case "scopes":
                guard let names = value.sequence?.map({ $0.string ?? "" }) else {
                    throw ConfigurationError.invalid(keyLocation, "'scopes' must be a list of ingest, read, admin")
                }
                scopes = []
                for name in names {
                    guard let scope = AuthScope(rawValue: name) else {
                        throw ConfigurationError.invalid(keyLocation, "unknown scope '\(name)' (ingest, read, admin)")
                    }
                    scopes.insert(scope)
                }
            default:
                throw ConfigurationError.invalid(keyLocation, "unknown setting '\(key.string ?? "")' of a token (token, token_file, tenant, scopes)")
            }
        }
        // The secret is never echoed into an error.
        guard let secret, secret.utf8.count >= 16, secret.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw ConfigurationError.invalid(location, "each token needs 'token' or 'token_file': at least 16 printable ASCII characters without spaces")
        }
        guard let tenant, isValidTenant(tenant) else {
            throw ConfigurationError.invalid(location, "each token needs a 'tenant': 1 to 150 printable ASCII characters without '/' or spaces")
        }
        guard !scopes.isEmpty else {
            throw ConfigurationError.invalid(location, "a token with no scopes grants nothing; list ingest, read and/or admin")
        }
        return Token(secret: secret, tenant: tenant, scopes: scopes)
    }
}
