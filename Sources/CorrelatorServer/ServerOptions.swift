import ArgumentParser
import Correlator
import Foundation
import Logging

/// The options `serve` and `migrate` share. Flags win over `CORRELATOR_*` variables, which win
/// over the `--config` file.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file (env CORRELATOR_CONFIG).")
    var config: String?

    @Option(name: .long, help: "HOST:PORT to serve HTTP on (env CORRELATOR_LISTEN; default 127.0.0.1:4318).")
    var listen: String?

    @Option(name: .customLong("grpc-listen"), help: "HOST:PORT to serve OTLP/gRPC on, or off (env CORRELATOR_GRPC_LISTEN; default 127.0.0.1:4317).")
    var grpcListen: String?

    @Option(name: .customLong("data-dir"), help: "Directory of the embedded PostgreSQL (env CORRELATOR_DATA_DIR; default ./.correlator).")
    var dataDir: String?

    @Option(name: .customLong("database-url"), help: "postgres://user:password@host:port/db of an external server; ?sslmode=disable|prefer|require|verify-full, ?host=/socket/dir (env CORRELATOR_DATABASE_URL).")
    var databaseURL: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (env CORRELATOR_LOG_LEVEL; default info).")
    var logLevel: String?

    @Option(name: .long, help: "Drop data older than this, in whole days, at least 1d (env CORRELATOR_RETENTION; default 7d).")
    var retention: String?

    @Option(name: .customLong("migrations-dir"), help: "Directory of the SQL migrations (env CORRELATOR_MIGRATIONS_DIR).")
    var migrationsDir: String?

    func resolve() throws -> CorrelatorConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var configuration = try CorrelatorConfiguration.load(
            configFile: config ?? environment["CORRELATOR_CONFIG"].flatMap { $0.isEmpty ? nil : $0 },
            environment: environment
        )
        let flags: [(String, String, String?)] = [
            ("listen", "--listen", listen), ("grpc_listen", "--grpc-listen", grpcListen), ("data_dir", "--data-dir", dataDir),
            ("database_url", "--database-url", databaseURL), ("log_level", "--log-level", logLevel),
            ("retention", "--retention", retention), ("migrations_dir", "--migrations-dir", migrationsDir),
        ]
        for (setting, flag, value) in flags {
            if let value { try configuration.apply(setting, value: value, source: flag) }
        }
        return configuration
    }

    func makeLogger(_ configuration: CorrelatorConfiguration) -> Logger {
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "correlator")
    }
}

/// Prints one clear line and exits non-zero: startup errors are the user's to fix, not stack traces.
func fail(_ error: any Error) -> ExitCode {
    FileHandle.standardError.write(Data("correlator: error: \(error)\n".utf8))
    return ExitCode.failure
}
