import ArgumentParser
import ProfileCommands

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `correlator`, the command users run.
///
/// It runs `profile …` itself and hands every other command line (`serve`, `migrate`, `rules …`,
/// `--help`) to `correlator-server`, the executable beside it, with `execv`: same process id,
/// signals and exit status, as if the user had run it.
///
/// Why two executables: the server's libraries (NIO, Hummingbird, PostgresNIO, gRPC, TLS, YAML)
/// make a binary whose 159,000 start-up relocations alone take longer than reading a small
/// profile, and no flag of one binary avoids them short of giving up ASLR. This one links only the
/// profile libraries: `correlator profile top` on the fixtures' small heap profile starts and
/// finishes in about 4.5 ms instead of 7 ms (`go tool pprof -top`: 9–10 ms; Benchmarks/profiles.sh).
/// They use FoundationEssentials, not Foundation: Foundation's ICU data and conformances made
/// this binary 84 MB with 80,000 relocations (35 MB and 44,000 without), and took another 2.4 ms
/// a run (9.7 → 7.3 ms on a day this VM ran slower).
/// Rule commands stay with the server: with the rule and YAML libraries here, profile top took
/// 0.3–0.5 ms longer.
@main
enum CorrelatorLauncher {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "profile" {
            ProfileRoot.main(arguments)
        } else {
            ServerExecutable.exec(arguments)
        }
    }
}

/// The commands this executable runs itself, under the name users type.
struct ProfileRoot: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "correlator", subcommands: [ProfileCommand.self])
}

/// `correlator-server`, found beside this executable (symbolic links to `correlator` resolved).
enum ServerExecutable {
    static let name = "correlator-server"

    static func exec(_ arguments: [String]) -> Never {
        let path = siblingPath()
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        execv(path, &argv)
        let reason = String(cString: strerror(errno))
        let message = "correlator: error: cannot run \(path): \(reason). "
            + "Every command but profile is in \(name), which is built and installed "
            + "beside correlator (make build builds both).\n"
        _ = message.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        exit(127)
    }

    private static func siblingPath() -> String {
        var own = CommandLine.arguments[0]
        #if os(Linux)
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { bytes in
            readlink("/proc/self/exe", bytes.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        if count > 0 { own = String(decoding: buffer[..<count], as: UTF8.self) }
        #else
        if let resolved = realpath(own, nil) {
            own = String(cString: resolved)
            free(resolved)
        }
        #endif
        guard let slash = own.lastIndex(of: "/") else { return name }
        return own[...slash] + name
    }
}
