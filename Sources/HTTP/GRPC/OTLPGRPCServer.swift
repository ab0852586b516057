import Correlator
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOCore
import ServiceLifecycle

/// The OTLP/gRPC port as a service of the application's `ServiceGroup`: it starts serving once
/// the database is reachable and migrated (``DatabaseReady``, opened where the HTTP server's
/// `beforeServerStarts` finishes), stops taking calls on graceful shutdown (SIGTERM, SIGINT) and
/// returns once the calls in flight have been answered, before the database stops.
struct OTLPGRPCServer: Service {
    let address: ListenAddress
    let receiver: OTLPGRPCReceiver
    let databaseReady: DatabaseReady
    /// The `tls:` block's certificate (shared with the HTTP port); nil: plaintext h2c.
    var certificates: FileCertificateReloader? = nil
    let logger: Logger

    func run() async throws {
        for await _ in databaseReady.signal.cancelOnGracefulShutdown() {}
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        let transport = try Self.transport(
            address: address, maxMessageBytes: receiver.maxMessageBytes, limits: receiver.limits, security: try Self.security(certificates)
        )
        let server = GRPCServer(transport: transport, services: [receiver])
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.serve() }
                let bound = try await transport.listeningAddress
                let shown = bound.ipv4.map { "\($0.host):\($0.port)" } ?? bound.ipv6.map { "[\($0.host)]:\($0.port)" } ?? "\(bound)"
                logger.info("serving OTLP/gRPC (\(certificates == nil ? "h2c" : "TLS")) on \(shown)", metadata: ["max_message_bytes": "\(receiver.maxMessageBytes)"])
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }

    /// The HTTP/2 transport: plaintext (h2c), gzip and deflate request compression, and a message
    /// limit past which the transport itself resets the stream. That limit is the larger of the
    /// methods' `max_body_bytes` and `max_decompressed_bytes`, so that a message over its
    /// method's `max_body_bytes` reaches the receiver and gets a `RESOURCE_EXHAUSTED` saying so.
    ///
    /// With a `tls:` block, TLS with the HTTP port's certificate (see ``security(_:)``).
    static func transport(
        address: ListenAddress, maxMessageBytes: Int, limits: IngestLimits, security: HTTP2ServerTransport.Posix.TransportSecurity = .plaintext
    ) throws -> HTTP2ServerTransport.Posix {
        HTTP2ServerTransport.Posix(
            address: try socketAddress(address),
            transportSecurity: security,
            config: .defaults { config in
                config.compression.enabledAlgorithms = [.gzip, .deflate]
                config.rpc.maxRequestPayloadSize = max(maxMessageBytes, limits.maxDecompressedBytes)
            }
        )
    }

    /// Plaintext without a certificate; else TLS from the shared reloader (a reload reaches new
    /// handshakes here too), requiring a client certificate the client CA signed when one is set.
    static func security(_ certificates: FileCertificateReloader?) throws -> HTTP2ServerTransport.Posix.TransportSecurity {
        guard let certificates else { return .plaintext }
        if let roots = try certificates.clientCertificateAuthorities() {
            let sources = try roots.map { TLSConfig.CertificateSource.bytes(try $0.toDERBytes(), format: .der) }
            return try .mTLS(certificateReloader: certificates) { config in
                config.trustRoots = .certificates(sources)
                config.requireALPN = false
            }
        }
        return try .tls(certificateReloader: certificates) { config in
            config.requireALPN = false
        }
    }

    /// A host name is resolved once, at start.
    static func socketAddress(_ address: ListenAddress) throws -> GRPCNIOTransportCore.SocketAddress {
        let resolved = try NIOCore.SocketAddress.makeAddressResolvingHost(address.host, port: address.port)
        let ip = resolved.ipAddress ?? address.host
        switch resolved.protocol {
        case .inet6: return .ipv6(host: ip, port: address.port)
        default: return .ipv4(host: ip, port: address.port)
        }
    }
}

/// Opened once the database is reachable and migrated; the gRPC port waits for it, so no call
/// is answered by a store whose tables are not there yet.
struct DatabaseReady: Sendable {
    let signal: AsyncStream<Never>
    private let continuation: AsyncStream<Never>.Continuation

    init() {
        (signal, continuation) = AsyncStream.makeStream(of: Never.self)
    }

    func open() {
        continuation.finish()
    }
}
