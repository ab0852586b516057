/// A host and port a listener binds (`HOST:PORT` in the configuration; an empty host is
/// `0.0.0.0`, an IPv6 host may be bracketed).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
