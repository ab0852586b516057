import Exemplars
import Foundation
import Logging
import PostgresNIO
import Testing
import TestSupport

@testable import Correlator

@Suite("Migrations and partitions against a real PostgreSQL")
struct MigratorTests {
    @Test func freshDatabaseHasTheSchemaAndTodaysPartitions() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let tables = try await strings(client, """
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1
                """)
            for table in ["alerts", "exemplars", "functions", "profile_functions", "profile_series", "profile_stack_dictionary", "profile_stacks", "profile_stacks_hourly", "profiles", "schema_migrations", "span_profiles", "spans"] {
                #expect(tables.contains(table), "missing table \(table)")
            }
            let partitioned = try await strings(client, "SELECT c.relname FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid ORDER BY 1")
            #expect(partitioned == ["exemplars", "profile_functions", "profile_stacks", "profile_stacks_hourly", "profiles", "span_profiles", "spans"])
            let today = try await strings(client, "SELECT to_char((now() AT TIME ZONE 'UTC')::date, 'YYYYMMDD')")[0]
            let children = try await strings(client, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid")
            #expect(children.contains("spans_p\(today)"))
            #expect(children.contains("exemplars_p\(today)"))
        }
    }

    /// The embedded cluster the tests run on was started the way `correlator serve` starts it,
    /// so it has the automatic shared_buffers (a quarter of the memory, 128 MB to 2 GB).
    @Test(.enabled(if: (ProcessInfo.processInfo.environment["CORRELATOR_TEST_DATABASE_URL"] ?? "").isEmpty))
    func embeddedClusterGetsItsSharedBuffers() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let bytes = try await strings(client, "SELECT (setting::bigint * 8192)::text FROM pg_settings WHERE name = 'shared_buffers'")
            let quarter = EmbeddedPostgres.availableMemoryBytes() / 4
            let expected = min(max(quarter >> 20, 128), 2048) << 20
            #expect(bytes == ["\(expected)"])
        }
    }

    @Test func migratingTwiceAppliesNothingNew() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let migrator = try Migrator(directory: TestDatabase.migrationsDirectory, logger: Logger(label: "test"))
            try await migrator.migrate(client)
            #expect(try await migrator.pending(client).isEmpty)
            let count = try await strings(client, "SELECT count(*)::text FROM schema_migrations")
            #expect(count == ["\(migrator.migrations.count)"])
        }
    }

    /// A store written before 0008 keeps its exemplars findable by metric and labels: their
    /// series move to `exemplar_series` with the day of their newest exemplar.
    @Test func exemplarSeriesMoveOutOfExistingRows() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for file in try FileManager.default.contentsOfDirectory(atPath: TestDatabase.migrationsDirectory) where file < "0008" {
            try FileManager.default.copyItem(atPath: TestDatabase.migrationsDirectory + "/" + file, toPath: directory.appendingPathComponent(file).path)
        }
        try await TestDatabase.withFreshDatabase(migrations: directory.path) { client, _ in
            _ = try await strings(client, "SELECT ensure_partitions('2020-01-01', '2020-01-03')::text")
            try await client.query("""
                INSERT INTO exemplars (tenant, ts, metric, series, series_fp, value, trace_id, labels) VALUES
                ('t', '2020-01-01T10:00:00Z', 'rpc_seconds_bucket', '{"__name__": "rpc_seconds_bucket", "le": "1"}', 7, 0.5, '\\x01', '{"trace_id": "01"}'),
                ('t', '2020-01-02T10:00:00Z', 'rpc_seconds_bucket', '{"__name__": "rpc_seconds_bucket", "le": "1"}', 7, 0.7, '\\x02', '{"trace_id": "02"}'),
                ('t', '2020-01-01T11:00:00Z', 'rpc_seconds_bucket', '{"__name__": "rpc_seconds_bucket", "le": "2"}', 8, 1.5, '\\x03', '{"trace_id": "03"}')
                """)
            try await Migrator(directory: TestDatabase.migrationsDirectory, logger: Logger(label: "test")).migrate(client)
            let series = try await strings(client, "SELECT series_fp || ' ' || metric || ' ' || (series->>'le') || ' ' || last_day FROM exemplar_series ORDER BY 1")
            #expect(series == ["7 rpc_seconds_bucket 1 2020-01-02", "8 rpc_seconds_bucket 2 2020-01-01"])
            let store = try TestDatabase.makeStore(client)
            let found = try await store.queryExemplars(
                tenant: "t", selector: SeriesSelector(parsing: "rpc_seconds_bucket{le=\"1\"}"), start: 0, end: 1_600_000_000_000)
            #expect(found.first?.exemplars.map(\.value) == [0.5, 0.7])
        }
    }

    @Test func anEditedAppliedMigrationStopsStartup() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let original = try String(contentsOfFile: TestDatabase.migrationsDirectory + "/0001_init.sql", encoding: .utf8)
            try (original + "\n-- edited\n").write(to: directory.appendingPathComponent("0001_init.sql"), atomically: true, encoding: .utf8)
            let edited = try Migrator(directory: directory.path, logger: Logger(label: "test"))
            await #expect {
                try await edited.migrate(client)
            } throws: { error in
                "\(error)".contains("0001_init.sql was changed after it was applied")
            }
        }
    }

    @Test func aFailingMigrationIsRolledBackWhole() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            try FileManager.default.copyItem(atPath: TestDatabase.migrationsDirectory + "/0001_init.sql", toPath: directory.appendingPathComponent("0001_init.sql").path)
            try "CREATE TABLE half_done (x int);\nSELECT no_such_function();\n"
                .write(to: directory.appendingPathComponent("0002_broken.sql"), atomically: true, encoding: .utf8)
            let migrator = try Migrator(directory: directory.path, logger: Logger(label: "test"))
            await #expect(throws: MigrationError.self) { try await migrator.migrate(client) }
            #expect(try await strings(client, "SELECT coalesce(to_regclass('half_done')::text, 'absent')") == ["absent"])
            #expect(try await migrator.pending(client) == [2])
        }
    }

    @Test func retentionDropsWholeOldPartitions() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            _ = try await strings(client, "SELECT ensure_partitions('2020-01-01', '2020-01-03')::text")
            try await client.query("""
                INSERT INTO spans (tenant, trace_id, span_id, service, name, start_ts, start_unix_nano, duration_ns)
                VALUES ('t', '\\x0102', '\\x03', 's', 'n', '2020-01-02T12:00:00Z', 1577966400000000000, 1)
                """)
            let dropped = try await strings(client, "SELECT drop_partitions_before('2020-01-03')::text")
            // Two days (01 and 02) of each of the seven partitioned tables.
            #expect(dropped == ["14"])
            let left = try await strings(client, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind = 'r' AND c.relname LIKE '%2020%' ORDER BY 1")
            #expect(left.allSatisfy { $0.hasSuffix("_p20200103") } && left.count == 7)
            #expect(try await strings(client, "SELECT count(*)::text FROM spans WHERE tenant = 't'") == ["0"])
        }
    }

    @Test func maintainerKeepsPartitionsAheadOfTheClock() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let maintainer = PartitionMaintainer(client: client, retention: .seconds(7 * 86_400), logger: Logger(label: "test"))
            try await maintainer.maintain()
            let ahead = try await strings(client, """
                SELECT count(*)::text FROM pg_class
                WHERE relname = 'profiles_p' || to_char((now() AT TIME ZONE 'UTC')::date + 2, 'YYYYMMDD')
                """)
            #expect(ahead == ["1"])
        }
    }

    private func strings(_ client: PostgresClient, _ sql: String) async throws -> [String] {
        var result: [String] = []
        for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(String.self) {
            result.append(value)
        }
        return result
    }
}

@Suite struct SQLStatementSplitterTests {
    @Test func splitsAtTopLevelSemicolonsOnly() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT ';');
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;
            /* block; comment */ SELECT 'it''s; fine', "odd;name" FROM a
            """
        let statements = SQLStatementSplitter.split(sql)
        #expect(statements.count == 3)
        #expect(statements[1].hasSuffix("END; $$"))
        #expect(statements[2].hasSuffix("\"odd;name\" FROM a"))
    }
}
