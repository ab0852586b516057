/// The embedded PostgreSQL cluster could not be prepared, started or stopped.
public struct EmbeddedPostgresError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case binariesNotFound
        case dataDirectoryNotOwned(path: String, owner: UInt32)
        case dataDirectoryUnusable(path: String, reason: String)
        case commandFailed(command: String, output: String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    static let binariesNotFound = EmbeddedPostgresError(.binariesNotFound)
    static func dataDirectoryNotOwned(_ path: String, owner: UInt32) -> Self { Self(.dataDirectoryNotOwned(path: path, owner: owner)) }
    static func dataDirectoryUnusable(_ path: String, _ reason: String) -> Self { Self(.dataDirectoryUnusable(path: path, reason: reason)) }
    static func commandFailed(_ command: String, output: String) -> Self { Self(.commandFailed(command: command, output: output)) }

    public var description: String {
        switch code {
        case .binariesNotFound:
            return "PostgreSQL server programs (initdb, pg_ctl) not found on PATH, via pg_config or under /usr/lib/postgresql: install PostgreSQL (apt-get install postgresql) or pass --database-url"
        case .dataDirectoryNotOwned(let path, let owner):
            return "data directory \(path) is owned by another user (uid \(owner)): run as that user or pass another --data-dir"
        case .dataDirectoryUnusable(let path, let reason):
            return "data directory \(path) cannot be used: \(reason); pass another --data-dir"
        case .commandFailed(let command, let output):
            let tail = output.split(separator: "\n").suffix(5).joined(separator: " | ")
            return "\(command) failed: \(tail)"
        }
    }
}
