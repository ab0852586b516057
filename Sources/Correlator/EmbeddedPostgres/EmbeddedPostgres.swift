import Foundation
import Logging
import NIOPosix
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL cluster that Correlator runs itself under its data directory.
///
/// Layout under the data directory: `postgres/` (the cluster), `run/` (the Unix socket; no TCP
/// port is opened), `postgres.log`. When Correlator runs as root the cluster runs as an
/// unprivileged user (`postgres` if it exists, else `correlator`, created on demand), because
/// PostgreSQL refuses to run as root.
public struct EmbeddedPostgres: Sendable {
    /// The database Correlator uses inside the cluster.
    public static let databaseName = "correlator"
    /// The cluster's superuser, which Correlator connects as (trust over the private socket).
    public static let superuser = "correlator"

    public let dataDirectory: String
    /// The cluster's `shared_buffers`, in PostgreSQL's units ("1GB"), given on every start.
    public let sharedBuffers: String
    let binaries: PostgresBinaries
    let logger: Logger

    var clusterDirectory: String { dataDirectory + "/postgres" }
    var logFile: String { dataDirectory + "/postgres.log" }

    /// The directory holding the server's socket: under the data directory, or under /tmp when
    /// that path would exceed the 107-byte limit of a Unix socket address.
    var socketDirectory: String {
        let preferred = dataDirectory + "/run"
        if preferred.utf8.count + "/.s.PGSQL.5432".utf8.count < 100 { return preferred }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in dataDirectory.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "/tmp/correlator-" + String(hash, radix: 16)
    }

    /// `sharedBuffers` nil sizes the buffer cache from the machine's memory
    /// (``defaultSharedBuffers(memoryBytes:)``).
    public init(dataDirectory: String, sharedBuffers: String? = nil, logger: Logger) throws {
        let absolute = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        self.dataDirectory = absolute
        self.sharedBuffers = sharedBuffers ?? Self.defaultSharedBuffers(memoryBytes: Self.availableMemoryBytes())
        self.binaries = try PostgresBinaries.locate()
        self.logger = logger
    }

    /// Connection settings for the running cluster.
    public var clientConfiguration: PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            unixSocketPath: socketDirectory + "/.s.PGSQL.5432",
            username: Self.superuser,
            password: nil,
            database: Self.databaseName
        )
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// Creates the cluster on first use, starts it (or adopts one already running on this data
    /// directory: left by a killed Correlator, or serving a running one), and makes sure the
    /// `correlator` database exists. Returns false when it adopted a running server: a one-off
    /// command (`migrate`, `rules evaluate`) must then leave it running.
    @discardableResult
    public func start() async throws -> Bool {
        // initdb and pg_ctl are waited for with a blocking waitpid (seconds, for initdb): on NIO's
        // thread pool, not on one of the two threads of Swift Concurrency's pool.
        let adopted = try await NIOThreadPool.singleton.runIfActive { try startCluster() }
        try await createDatabaseIfMissing()
        return !adopted
    }

    /// The blocking part of ``start()``: creates the cluster if needed and starts (or adopts) it.
    /// Returns whether a running server was adopted.
    private func startCluster() throws -> Bool {
        let user = try serviceUser()
        try prepareDirectories(user: user)
        if !FileManager.default.fileExists(atPath: clusterDirectory + "/PG_VERSION") {
            logger.info("creating PostgreSQL cluster", metadata: ["path": "\(clusterDirectory)"])
            try run(binaries.initdb, [
                "-D", clusterDirectory, "-U", Self.superuser, "--auth-local=trust", "--auth-host=reject",
                "-E", "UTF8", "--locale=C", "--no-sync",
            ], as: user)
        }
        let adopted = try adoptRunningServer()
        if adopted {
            logger.info("reusing PostgreSQL already running on this data directory")
        } else {
            let options = "-c listen_addresses='' -k '\(socketDirectory)' -c unix_socket_permissions=0700 -c shared_buffers=\(sharedBuffers)"
            logger.info("starting PostgreSQL", metadata: ["socket": "\(socketDirectory)", "shared_buffers": "\(sharedBuffers)"])
            try run(binaries.pgCtl, ["-D", clusterDirectory, "-l", logFile, "-w", "-t", "60", "-o", options, "start"], as: user)
        }
        return adopted
    }

    /// A quarter of the memory, PostgreSQL's advice for a server it has to itself, between
    /// PostgreSQL's own default (128 MB) and 2 GB. With the default 128 MB, a store of a few
    /// hundred MB is read from the kernel's page cache on every query, and a VM that reclaims cold
    /// page cache (Firecracker's DAMON here) turns those reads into disk reads: trace-link p99 went
    /// from ~3 ms to 50–1,200 ms in `Benchmarks/correlation.sh`, for pgbench as much as for us.
    public static func defaultSharedBuffers(memoryBytes: UInt64) -> String {
        let megabytes = memoryBytes / 4 / (1 << 20)
        return "\(min(max(megabytes, 128), 2048))MB"
    }

    /// Physical memory, or the cgroup's limit when a container sets a lower one.
    static func availableMemoryBytes() -> UInt64 {
        let physical = ProcessInfo.processInfo.physicalMemory
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let limit = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 {
                return min(physical, limit)
            }
        }
        return physical
    }

    /// Stops the cluster (fast shutdown: running queries are cancelled, data is flushed).
    public func stop() throws {
        guard FileManager.default.fileExists(atPath: clusterDirectory + "/postmaster.pid") else { return }
        logger.info("stopping PostgreSQL")
        try run(binaries.pgCtl, ["-D", clusterDirectory, "-m", "fast", "-w", "-t", "60", "stop"], as: try serviceUser())
    }

    // MARK: - Steps

    /// The user the server runs as: nil when we are not root (it runs as us).
    private func serviceUser() throws -> String? {
        guard geteuid() == 0 else { return nil }
        if getpwnam("postgres") != nil { return "postgres" }
        if getpwnam("correlator") == nil {
            let useradd = ["/usr/sbin/useradd", "/sbin/useradd"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "useradd"
            try run(useradd, ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "correlator"], as: nil)
        }
        return "correlator"
    }

    private func prepareDirectories(user: String?) throws {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: dataDirectory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw EmbeddedPostgresError.dataDirectoryUnusable(dataDirectory, "it is not a directory")
            }
            var info = stat()
            if stat(dataDirectory, &info) == 0, info.st_uid != geteuid(), geteuid() != 0 {
                throw EmbeddedPostgresError.dataDirectoryNotOwned(dataDirectory, owner: info.st_uid)
            }
            if geteuid() == 0, stat(dataDirectory, &info) == 0, info.st_uid != 0,
               let user, let passwd = getpwnam(user), info.st_uid != passwd.pointee.pw_uid {
                throw EmbeddedPostgresError.dataDirectoryNotOwned(dataDirectory, owner: info.st_uid)
            }
        }
        do {
            try fileManager.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            try fileManager.createDirectory(atPath: clusterDirectory, withIntermediateDirectories: true)
            try fileManager.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
            if !fileManager.fileExists(atPath: logFile) {
                _ = fileManager.createFile(atPath: logFile, contents: nil)
            }
        } catch {
            throw EmbeddedPostgresError.dataDirectoryUnusable(dataDirectory, "\(error.localizedDescription)")
        }
        chmod(clusterDirectory, 0o700)
        chmod(socketDirectory, 0o700)
        guard let user, let passwd = getpwnam(user) else { return }
        let uid = passwd.pointee.pw_uid
        let gid = passwd.pointee.pw_gid
        for path in [clusterDirectory, socketDirectory, logFile] {
            try chownRecursively(path, uid: uid, gid: gid)
        }
        // The server user must be able to reach its directories through every parent.
        var parent = URL(fileURLWithPath: clusterDirectory).deletingLastPathComponent()
        while parent.path != "/" {
            var info = stat()
            if stat(parent.path, &info) == 0, info.st_mode & 0o001 == 0, info.st_uid != uid {
                throw EmbeddedPostgresError.dataDirectoryUnusable(
                    dataDirectory,
                    "\(parent.path) is not searchable by the unprivileged user '\(user)' PostgreSQL runs as (chmod o+x it)"
                )
            }
            parent = parent.deletingLastPathComponent()
        }
    }

    private func chownRecursively(_ path: String, uid: uid_t, gid: gid_t) throws {
        var info = stat()
        guard stat(path, &info) == 0, info.st_uid != uid else { return }
        _ = chown(path, uid, gid)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
              let enumerator = FileManager.default.enumerator(atPath: path)
        else { return }
        for case let child as String in enumerator {
            _ = lchown(path + "/" + child, uid, gid)
        }
    }

    /// Handles `postmaster.pid`: a server still running on this directory (a Correlator killed
    /// with SIGKILL leaves one) is adopted; a stale file from a crash is removed.
    private func adoptRunningServer() throws -> Bool {
        let pidFile = clusterDirectory + "/postmaster.pid"
        guard let contents = try? String(contentsOfFile: pidFile, encoding: .utf8) else { return false }
        let lines = contents.split(separator: "\n", omittingEmptySubsequences: false)
        if let pid = lines.first.flatMap({ Int32($0.trimmingCharacters(in: .whitespaces)) }), pid > 0,
           kill(pid, 0) == 0,
           let command = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
           command.hasPrefix("postgres") {
            // Running: usable only if it listens where we connect.
            let socketLine = lines.count > 4 ? String(lines[4]) : ""
            if socketLine == socketDirectory { return true }
            logger.warning("PostgreSQL on this data directory listens elsewhere; restarting it", metadata: ["socket": "\(socketLine)"])
            try run(binaries.pgCtl, ["-D", clusterDirectory, "-m", "fast", "-w", "stop"], as: try serviceUser())
            return false
        }
        logger.warning("removing stale postmaster.pid", metadata: ["path": "\(pidFile)"])
        try? FileManager.default.removeItem(atPath: pidFile)
        try? FileManager.default.removeItem(atPath: socketDirectory + "/.s.PGSQL.5432")
        try? FileManager.default.removeItem(atPath: socketDirectory + "/.s.PGSQL.5432.lock")
        return false
    }

    private func createDatabaseIfMissing() async throws {
        var configuration = clientConfiguration
        configuration.database = "postgres"
        try await withPostgresClient(configuration, logger: logger) { client in
            let rows = try await client.query("SELECT 1 FROM pg_database WHERE datname = \(Self.databaseName)")
            var exists = false
            for try await _ in rows { exists = true }
            if !exists {
                try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(Self.databaseName)"))
            }
        }
    }

    @discardableResult
    private func run(_ executable: String, _ arguments: [String], as user: String?) throws -> String {
        let output = try CommandRunner.run(executable, arguments, asUser: user)
        guard output.status == 0 else {
            let name = URL(fileURLWithPath: executable).lastPathComponent
            var detail = output.output
            if name == "pg_ctl", let log = try? String(contentsOfFile: logFile, encoding: .utf8) {
                detail += "\n" + log.split(separator: "\n").suffix(3).joined(separator: "\n")
            }
            throw EmbeddedPostgresError.commandFailed(name, output: detail)
        }
        return output.output
    }
}
