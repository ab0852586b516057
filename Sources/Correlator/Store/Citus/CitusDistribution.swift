import Logging
import PostgresNIO

/// Where every table of the schema lives on a Citus cluster, and the migration step that puts
/// it there (``Migrator/migrate(_:)`` runs it after the SQL migrations when the database has
/// the `citus` extension; without it nothing happens).
///
/// The choices (README "Scaling out"):
///
/// * `spans` by `trace_id`: a trace's spans are one shard, so the trace lookups are router
///   queries. Its primary key (tenant, trace id, span id, start) holds the column.
/// * `profiles`, `profile_functions` and `span_profiles` by `profile_id`, co-located: every
///   per-profile route reads one shard of each, and a profile's rows are written to one
///   shard group. `span_profiles` cannot go by trace id: its key (tenant, profile id, start,
///   span id) does not hold it, and most rows have none (Go's pprof labels carry only
///   `span_id`); NULL cannot be a distribution value.
/// * `exemplars` by `series_fp`: its key (series, time, tenant) holds it, and the writes'
///   deduplication and `query_exemplars` read one series at a time. Trace id is nullable and
///   outside the key, so a trace's exemplars are a parallel fan-out of one hash-index probe per
///   shard.
/// * `profile_stacks` and `profile_stacks_hourly` by `series_fp`, co-located: merges read a
///   selector's series, and the rollup job joins the two on the series.
/// * The small tables every query joins (series, stack dictionary, functions, rule state,
///   alerts, the list of partitioned tables) are reference tables: a copy on every node.
/// * `schema_migrations` stays on the coordinator: only the migrator reads it.
///
/// Partitioned parents are distributed; the daily partitions `ensure_partitions` creates
/// later are distributed with them. The step is idempotent: a table already placed as planned
/// is left alone, so re-running it does nothing.
public struct CitusDistribution: Sendable {
    /// How a table is placed.
    public enum Placement: Sendable, Hashable {
        /// Hash-distributed by `column`, in the co-location group of `colocateWith` (or its
        /// own group when nil).
        case distributed(column: String, colocateWith: String?)
        /// A copy on every node.
        case reference
        /// Left as a local table on the coordinator.
        case coordinator
    }

    public struct Table: Sendable, Hashable {
        public var name: String
        public var placement: Placement
    }

    /// Every table of the schema, in the order they are placed (reference tables first, then
    /// each co-location group's first table before the tables co-located with it). A table
    /// the migrations create must be listed here; `CitusDistributionTests` checks it.
    public static let tables: [Table] = [
        Table(name: "schema_migrations", placement: .coordinator),
        Table(name: "partitioned_tables", placement: .reference),
        Table(name: "functions", placement: .reference),
        Table(name: "alerts", placement: .reference),
        Table(name: "rule_state", placement: .reference),
        Table(name: "exemplar_series", placement: .reference),
        Table(name: "profile_series", placement: .reference),
        Table(name: "profile_stack_dictionary", placement: .reference),
        Table(name: "spans", placement: .distributed(column: "trace_id", colocateWith: nil)),
        Table(name: "profiles", placement: .distributed(column: "profile_id", colocateWith: nil)),
        Table(name: "profile_functions", placement: .distributed(column: "profile_id", colocateWith: "profiles")),
        Table(name: "span_profiles", placement: .distributed(column: "profile_id", colocateWith: "profiles")),
        Table(name: "exemplars", placement: .distributed(column: "series_fp", colocateWith: nil)),
        Table(name: "profile_stacks", placement: .distributed(column: "series_fp", colocateWith: nil)),
        Table(name: "profile_stacks_hourly", placement: .distributed(column: "series_fp", colocateWith: "profile_stacks")),
    ]

    /// Functions that queries run on the workers (inside shard queries), so every node needs
    /// them: created there and kept in step by Citus.
    public static let workerFunctions: [String] = [
        "exemplar_labels(jsonb, bytea, bytea)",
    ]

    /// One thing the step did, or found.
    public enum Action: Sendable, Hashable, CustomStringConvertible {
        case distributed(table: String, column: String, colocatedWith: String?)
        case referenced(table: String)
        case distributedFunction(String)
        /// A table placed otherwise than planned (by an operator): left as it is.
        case placedOtherwise(table: String, found: String, planned: String)
        /// A table the plan does not know: it stays a local table on the coordinator.
        case unplanned(table: String)

        public var description: String {
            switch self {
            case let .distributed(table, column, colocatedWith):
                "distributed \(table) by \(column)" + (colocatedWith.map { " (co-located with \($0))" } ?? "")
            case let .referenced(table):
                "made \(table) a reference table"
            case let .distributedFunction(signature):
                "created \(signature) on every node"
            case let .placedOtherwise(table, found, planned):
                "left \(table) as it is: \(found), planned \(planned)"
            case let .unplanned(table):
                "left \(table) on the coordinator: not in Correlator's Citus plan"
            }
        }

        /// Whether the action changed the database (the others only report).
        public var changed: Bool {
            switch self {
            case .distributed, .referenced, .distributedFunction: true
            case .placedOtherwise, .unplanned: false
            }
        }
    }

    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Whether the connected database has the `citus` extension.
    public static func isInstalled(on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("SELECT count(*) FROM pg_extension WHERE extname = 'citus'", logger: logger)
        var count = 0
        for try await value in rows.decode(Int.self) { count = value }
        return count > 0
    }

    /// Places every planned table that is not placed yet; returns what it did and found.
    /// Each table is placed by its own statement (Citus creates and fills the shards then).
    public func apply(on connection: PostgresConnection) async throws -> [Action] {
        let placed = try await currentPlacements(connection)
        let existing = try await existingTables(connection)
        var actions: [Action] = []
        for table in Self.tables where existing.contains(table.name) {
            let found = placed[table.name]
            switch table.placement {
            case .coordinator:
                continue
            case .reference:
                if let found {
                    if found != .reference {
                        actions.append(.placedOtherwise(table: table.name, found: Self.describe(found), planned: "reference"))
                    }
                    continue
                }
                try await run(connection, table: table.name, "SELECT create_reference_table(\(table.name)::regclass)")
                try await truncateLocalData(connection, table: table.name)
                actions.append(.referenced(table: table.name))
            case let .distributed(column, colocateWith):
                if let found {
                    if found != table.placement.withoutColocation {
                        actions.append(.placedOtherwise(table: table.name, found: Self.describe(found), planned: "distributed by \(column)"))
                    }
                    continue
                }
                try await run(connection, table: table.name, """
                    SELECT create_distributed_table(\(table.name)::regclass, \(column), colocate_with => \(colocateWith ?? "none"))
                    """)
                try await truncateLocalData(connection, table: table.name)
                actions.append(.distributed(table: table.name, column: column, colocatedWith: colocateWith))
            }
        }
        for signature in Self.workerFunctions {
            // Absent (an older schema) or already on every node: nothing to do.
            let rows = try await connection.query("""
                SELECT to_regprocedure(\(signature)) IS NULL OR EXISTS (
                    SELECT 1 FROM pg_dist_object WHERE classid = 'pg_proc'::regclass AND objid = to_regprocedure(\(signature)))
                """, logger: logger)
            var done = true
            for try await value in rows.decode(Bool.self) { done = value }
            guard !done else { continue }
            try await run(connection, table: signature, "SELECT create_distributed_function(\(signature)::regprocedure)")
            actions.append(.distributedFunction(signature))
        }
        let planned = Set(Self.tables.map(\.name))
        for table in existing.sorted() where !planned.contains(table) && placed[table] == nil {
            actions.append(.unplanned(table: table))
        }
        for action in actions {
            if action.changed {
                logger.info("citus: \(action)")
            } else {
                logger.warning("citus: \(action)")
            }
        }
        return actions
    }

    /// The placement of every table Citus knows: hash-distributed (by which column) or
    /// reference. Partitions are left out (they follow their parent).
    private func currentPlacements(_ connection: PostgresConnection) async throws -> [String: Placement] {
        let rows = try await connection.query("""
            SELECT c.relname::text, p.partmethod::text, coalesce(column_to_column_name(p.logicalrelid, p.partkey), '')
            FROM pg_dist_partition p
            JOIN pg_class c ON c.oid = p.logicalrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND NOT c.relispartition
            """, logger: logger)
        var placements: [String: Placement] = [:]
        for try await (name, method, column) in rows.decode((String, String, String).self) {
            switch method {
            case "h": placements[name] = .distributed(column: column, colocateWith: nil)
            case "n" where column.isEmpty: placements[name] = .reference
            default: placements[name] = .coordinator
            }
        }
        return placements
    }

    /// The ordinary and partitioned tables of the current schema (not partitions).
    private func existingTables(_ connection: PostgresConnection) async throws -> Set<String> {
        let rows = try await connection.query("""
            SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            """, logger: logger)
        var names = Set<String>()
        for try await name in rows.decode(String.self) { names.insert(name) }
        return names
    }

    /// Citus copies a table's rows into its shards and leaves the local copy behind, unread;
    /// this removes it (a no-op for an empty table).
    private func truncateLocalData(_ connection: PostgresConnection, table: String) async throws {
        try await run(connection, table: table, "SELECT truncate_local_data_after_distributing_table(\(table)::regclass)")
    }

    private func run(_ connection: PostgresConnection, table: String, _ query: PostgresQuery) async throws {
        do {
            try await connection.query(query, logger: logger)
        } catch let error as PSQLError {
            throw CitusDistributionError(object: table, reason: error.serverInfo?[.message] ?? "\(error.code)")
        }
    }

    private static func describe(_ placement: Placement) -> String {
        switch placement {
        case let .distributed(column, _): "distributed by \(column)"
        case .reference: "a reference table"
        case .coordinator: "a Citus table of another kind"
        }
    }
}

extension CitusDistribution.Placement {
    /// The placement without its co-location, to compare with what Citus reports.
    var withoutColocation: Self {
        if case let .distributed(column, _) = self { return .distributed(column: column, colocateWith: nil) }
        return self
    }
}

/// Placing a table (or function) on the Citus cluster failed.
public struct CitusDistributionError: Error, Sendable, CustomStringConvertible {
    public let object: String
    public let reason: String
    public var description: String {
        "citus: could not place \(object): \(reason)"
    }
}
