import Foundation

/// Where the PostgreSQL server programs live: PATH, then `pg_config --bindir`, then
/// Debian's `/usr/lib/postgresql/<version>/bin` (newest version first).
public struct PostgresBinaries: Sendable {
    public var initdb: String
    public var pgCtl: String

    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresBinaries {
        var directories: [String] = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for pgConfig in directories.map({ "\($0)/pg_config" }) where FileManager.default.isExecutableFile(atPath: pgConfig) {
            if let out = try? CommandRunner.run(pgConfig, ["--bindir"]), out.status == 0 {
                directories.append(out.output.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            break
        }
        let debian = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let versions = debian.compactMap { Int($0) }.sorted(by: >)
        directories.append(contentsOf: versions.map { "/usr/lib/postgresql/\($0)/bin" })
        for directory in directories {
            let initdb = "\(directory)/initdb"
            let pgCtl = "\(directory)/pg_ctl"
            if FileManager.default.isExecutableFile(atPath: initdb), FileManager.default.isExecutableFile(atPath: pgCtl) {
                return PostgresBinaries(initdb: initdb, pgCtl: pgCtl)
            }
        }
        throw EmbeddedPostgresError.binariesNotFound
    }
}
