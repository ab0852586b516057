import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs an external program (initdb, pg_ctl, useradd) and captures its output.
///
/// Uses `posix_spawn` and `waitpid` rather than Foundation's `Process`: `pg_ctl start` leaves a
/// daemon behind that inherits the descriptors `Process` watches to notice the child's exit,
/// so `waitUntilExit` never returns.
struct CommandRunner: Sendable {
    struct Output: Sendable {
        var status: Int32
        var output: String
    }

    /// Runs `executable` with `arguments`; when `user` is set (and we are root), runs it as that
    /// user through `runuser`.
    static func run(_ executable: String, _ arguments: [String], asUser user: String? = nil) throws -> Output {
        var argv = [executable] + arguments
        if let user {
            let runuser = ["/usr/sbin/runuser", "/sbin/runuser"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "runuser"
            argv = [runuser, "-u", user, "--"] + argv
        }
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("correlator-command-\(UUID().uuidString).log").path
        defer { unlink(outputPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawnp(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else {
            throw CommandError(command: argv[0], reason: String(cString: strerror(spawned)))
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw CommandError(command: argv[0], reason: String(cString: strerror(errno))) }
        }
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return Output(status: exitStatus, output: String(decoding: data, as: UTF8.self))
    }
}

/// An external program could not be started.
struct CommandError: Error, CustomStringConvertible {
    let command: String
    let reason: String
    var description: String { "cannot run \(command): \(reason)" }
}
