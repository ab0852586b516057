import NIOCore
import NIOPosix

/// Fails fast when the listen address is taken, before the embedded database is started.
enum ListenAddressCheck {
    static func ensureAvailable(host: String, port: Int, flag: String = "--listen") async throws {
        guard port != 0 else { return }
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
        do {
            let channel = try await bootstrap.bind(host: host, port: port).get()
            try await channel.close()
        } catch {
            throw ListenAddressError(host: host, port: port, reason: "\(error)", flag: flag)
        }
    }
}

/// A listen address (HTTP or OTLP/gRPC) cannot be bound.
public struct ListenAddressError: Error, CustomStringConvertible {
    let host: String
    let port: Int
    let reason: String
    /// The flag that sets the address.
    var flag = "--listen"

    public var description: String {
        if reason.contains("in use") {
            return "cannot listen on \(host):\(port): the address is already in use; stop the other process or pass \(flag) HOST:PORT"
        }
        return "cannot listen on \(host):\(port): \(reason); pass another \(flag) HOST:PORT"
    }
}
