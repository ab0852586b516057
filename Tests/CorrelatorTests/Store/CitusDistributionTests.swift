import Foundation
import Logging
import PostgresNIO
import Testing
import TestSupport

@testable import Correlator

@Suite("Citus placement of the schema")
struct CitusDistributionTests {
    /// A migration that adds a table must say where it goes on Citus: otherwise it would stay
    /// on the coordinator unseen. Runs on plain PostgreSQL too.
    @Test func everyTableOfTheSchemaIsPlanned() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let tables = try await strings(client, """
                SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1
                """)
            let planned = Set(CitusDistribution.tables.map(\.name))
            #expect(tables.filter { !planned.contains($0) } == [])
            #expect(planned.subtracting(tables).sorted() == [])
        }
    }

    /// Every primary key and unique index of a distributed table holds its distribution column
    /// (Citus refuses the others), checked against the plan on any PostgreSQL.
    @Test func everyUniqueKeyHoldsTheDistributionColumn() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            for table in CitusDistribution.tables {
                guard case let .distributed(column, _) = table.placement else { continue }
                let keys = try await strings(client, """
                    SELECT i.indexrelid::regclass::text || ':' || string_agg(a.attname::text, ',')
                    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                    WHERE i.indrelid = '\(table.name)'::regclass AND i.indisunique
                    GROUP BY i.indexrelid
                    """)
                #expect(!keys.isEmpty, "\(table.name) has no primary key")
                for key in keys {
                    let columns = key.split(separator: ":")[1].split(separator: ",").map(String.init)
                    #expect(columns.contains(column), "\(key) lacks \(column)")
                }
            }
        }
    }

    /// Without the extension the migrator does nothing more than migrate.
    @Test func withoutCitusNothingIsDistributed() async throws {
        guard try await !TestDatabase.isCitus else { return }
        try await TestDatabase.withFreshDatabase { client, _ in
            let report = try await Migrator(directory: TestDatabase.migrationsDirectory, logger: Logger(label: "test")).migrate(client)
            #expect(!report.citus)
            #expect(report.citusActions.isEmpty)
            #expect(try await strings(client, "SELECT count(*)::text FROM pg_extension WHERE extname = 'citus'") == ["0"])
        }
    }

    /// On Citus (`make test-citus`): the migrations placed every table as planned, and
    /// running them again changes nothing.
    @Test func tablesArePlacedAsPlannedAndAgainIsANoOp() async throws {
        guard try await TestDatabase.isCitus else { return }
        try await TestDatabase.withFreshDatabase { client, _ in
            let placements = try await strings(client, """
                SELECT c.relname || ' ' || CASE p.partmethod WHEN 'h' THEN 'hash ' || column_to_column_name(p.logicalrelid, p.partkey) ELSE 'reference' END
                FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid WHERE NOT c.relispartition ORDER BY 1
                """)
            let expected = CitusDistribution.tables.compactMap { table -> String? in
                switch table.placement {
                case let .distributed(column, _): "\(table.name) hash \(column)"
                case .reference: "\(table.name) reference"
                case .coordinator: nil
                }
            }.sorted()
            #expect(placements == expected)
            let colocated = try await strings(client, """
                SELECT string_agg(logicalrelid::text, ',' ORDER BY logicalrelid::text) FROM pg_dist_partition p
                JOIN pg_class c ON c.oid = p.logicalrelid
                WHERE p.partmethod = 'h' AND NOT c.relispartition GROUP BY colocationid ORDER BY 1
                """)
            #expect(colocated == ["exemplars", "profile_functions,profiles,span_profiles", "profile_stacks,profile_stacks_hourly", "spans"])
            // A partition created after the distribution is distributed with its parent.
            _ = try await strings(client, "SELECT ensure_partitions('2021-03-01', '2021-03-01')::text")
            let partition = try await strings(client, "SELECT count(*)::text FROM pg_dist_partition WHERE logicalrelid = 'spans_p20210301'::regclass")
            #expect(partition == ["1"])

            let report = try await Migrator(directory: TestDatabase.migrationsDirectory, logger: Logger(label: "test")).migrate(client)
            #expect(report.citus)
            #expect(report.applied.isEmpty)
            #expect(report.citusActions.isEmpty)
        }
    }

    private func strings(_ client: PostgresClient, _ sql: String) async throws -> [String] {
        var values: [String] = []
        for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(String.self) {
            values.append(value)
        }
        return values
    }
}
