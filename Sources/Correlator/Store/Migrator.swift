import Foundation
import Logging
import PostgresNIO

/// Applies `migrations/NNNN_name.sql` in order, each inside its own transaction, and records
/// each in `schema_migrations` with the SHA-256 of its text. A migration whose text changed
/// after it was applied stops startup: history must not be rewritten.
public struct Migrator: Sendable {
    public struct Migration: Sendable {
        public var version: Int
        public var name: String
        public var sql: String
    }

    public let migrations: [Migration]
    let logger: Logger

    /// Loads the migrations from `directory`, or from the first of the standard places.
    public init(directory: String? = nil, logger: Logger) throws {
        let directory = try directory ?? Self.locateDirectory()
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw MigrationError.missing("cannot list migrations in \(directory)")
        }
        var migrations: [Migration] = []
        for file in files.sorted() where file.hasSuffix(".sql") {
            guard let version = Int(file.prefix { $0.isNumber }) else {
                throw MigrationError.missing("\(directory)/\(file): migration names start with a number (0001_init.sql)")
            }
            let sql = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            migrations.append(Migration(version: version, name: file, sql: sql))
        }
        guard !migrations.isEmpty else { throw MigrationError.missing("no migrations in \(directory)") }
        if let duplicate = Dictionary(grouping: migrations, by: \.version).first(where: { $0.value.count > 1 }) {
            throw MigrationError.missing("two migrations have version \(duplicate.key)")
        }
        self.migrations = migrations
        self.logger = logger
    }

    /// `CORRELATOR_MIGRATIONS_DIR` aside, the migrations are found next to the sources this binary
    /// was built from (any working directory), next to the executable, or installed.
    static func locateDirectory() throws -> String {
        var candidates: [String] = []
        let source = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(source.appendingPathComponent("migrations").path)
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("migrations").path)
            candidates.append(directory.appendingPathComponent("share/correlator/migrations").path)
            directory = directory.deletingLastPathComponent()
        }
        candidates.append("/usr/share/correlator/migrations")
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/0001_init.sql") }) {
            return found
        }
        throw MigrationError.missing("migrations not found (looked in \(candidates.joined(separator: ", "))); set CORRELATOR_MIGRATIONS_DIR")
    }

    /// What ``migrate(_:)`` did.
    public struct Report: Sendable {
        /// The migrations applied now, by file name.
        public var applied: [String] = []
        /// Whether the database has the `citus` extension.
        public var citus = false
        /// What the Citus step did and found (empty without Citus, or when every table was
        /// already placed).
        public var citusActions: [CitusDistribution.Action] = []
    }

    /// Applies every pending migration; then, when the database has the `citus` extension,
    /// distributes the tables that are not yet (``CitusDistribution``). Safe to run from
    /// several replicas at once: a session-level advisory lock (on the coordinator, with
    /// Citus) serialises them.
    @discardableResult
    public func migrate(_ client: PostgresClient) async throws -> Report {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
            do {
                var report = Report()
                report.applied = try await applyPending(connection)
                if try await CitusDistribution.isInstalled(on: connection, logger: logger) {
                    report.citus = true
                    report.citusActions = try await CitusDistribution(logger: logger).apply(on: connection)
                }
                try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                return report
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                throw error
            }
        }
    }

    /// Versions that are not applied yet (for `/readyz`); throws when an applied one changed.
    public func pending(_ client: PostgresClient) async throws -> [Int] {
        try await client.withConnection { connection in
            try await pending(connection)
        }
    }

    static let lockKey: Int64 = 0x636f_7272_656c_6174  // "correlat"

    private func applyPending(_ connection: PostgresConnection) async throws -> [String] {
        try await connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        let pendingVersions = Set(try await pending(connection))
        var applied: [String] = []
        // On Citus a migration may change distributed tables and then run DDL or replace a
        // function in the same transaction, which Citus refuses after a parallel (one
        // connection per shard) operation: run migrations over one connection per worker.
        let citus = pendingVersions.isEmpty ? false : try await CitusDistribution.isInstalled(on: connection, logger: logger)
        for migration in migrations where pendingVersions.contains(migration.version) {
            logger.info("applying migration", metadata: ["migration": "\(migration.name)"])
            try await connection.query("BEGIN", logger: logger)
            do {
                if citus {
                    try await connection.query("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'", logger: logger)
                }
                for statement in SQLStatementSplitter.split(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("""
                    INSERT INTO schema_migrations (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex'))
                    """, logger: logger)
                try await connection.query("COMMIT", logger: logger)
                applied.append(migration.name)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                let reason = (error as? PSQLError)?.serverInfo?[.message] ?? "\(error)"
                throw MigrationError.failed(migration.name, reason)
            }
        }
        return applied
    }

    private func pending(_ connection: PostgresConnection) async throws -> [Int] {
        let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
        var tableExists = false
        for try await (value) in exists.decode(Bool.self) { tableExists = value }
        guard tableExists else { return migrations.map(\.version) }
        var applied: [Int: (String, String)] = [:]
        let rows = try await connection.query("SELECT version, name, checksum FROM schema_migrations", logger: logger)
        for try await (version, name, checksum) in rows.decode((Int, String, String).self) {
            applied[version] = (name, checksum)
        }
        var pending: [Int] = []
        for migration in migrations {
            guard let (name, checksum) = applied[migration.version] else {
                pending.append(migration.version)
                continue
            }
            let current = try await connection.query(
                "SELECT encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex')", logger: logger
            )
            for try await value in current.decode(String.self) where value != checksum {
                throw MigrationError.changed(migration.name, appliedAs: name)
            }
        }
        return pending
    }
}

/// Migrations are missing, failed, or were edited after being applied.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public let description: String

    static func missing(_ reason: String) -> MigrationError { MigrationError(description: reason) }
    static func failed(_ name: String, _ reason: String) -> MigrationError {
        MigrationError(description: "migration \(name) failed and was rolled back: \(reason)")
    }
    static func changed(_ name: String, appliedAs applied: String) -> MigrationError {
        MigrationError(description: "migration \(name) was changed after it was applied (as \(applied)); restore its original text and add a new migration instead")
    }
}
