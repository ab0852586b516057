import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// Whether the database behind a client has the `citus` extension, asked once per client: the
/// few statements Citus cannot plan as a single PostgreSQL does (``CitusTraceLinkQuery``) pick
/// their form by it.
enum CitusPresence {
    private struct Registration: @unchecked Sendable {
        // Weak so that a registration never keeps a client alive, and a new client at the
        // address of a released one is not taken for it; only read and written under the lock.
        weak var client: PostgresClient?
        let installed: Bool
    }

    private static let registry = NIOLockedValueBox([ObjectIdentifier: Registration]())

    static func isInstalled(_ client: PostgresClient, logger: Logger) async throws -> Bool {
        let id = ObjectIdentifier(client)
        let known = registry.withLockedValue { registry -> Bool? in
            guard let registration = registry[id], registration.client === client else { return nil }
            return registration.installed
        }
        if let known { return known }
        var installed = false
        for try await count in try await client.query(
            "SELECT count(*) FROM pg_extension WHERE extname = 'citus'", logger: logger
        ).decode(Int.self) {
            installed = count > 0
        }
        registry.withLockedValue { registry in
            registry = registry.filter { $0.value.client != nil }
            registry[id] = Registration(client: client, installed: installed)
        }
        return installed
    }
}
