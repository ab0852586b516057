import Correlator
import Logging
import NIOCertificateReloading
import NIOConcurrencyHelpers
import NIOSSL

/// The `tls:` block's certificate and key, read from disk at start and again on `/-/reload` and
/// SIGHUP; both ports (HTTP and OTLP/gRPC) take every new handshake's pair from here, so a
/// renewed certificate is served without a restart. A reload that cannot read the files keeps
/// the pair in use and says why.
final class FileCertificateReloader: CertificateReloader, Sendable {
    let settings: TLSSettings
    private let current: NIOLockedValueBox<NIOSSLContextConfigurationOverride>

    /// A certificate or key file that cannot be used: which file and why.
    struct FileError: Error, CustomStringConvertible {
        var description: String
    }

    init(settings: TLSSettings) throws {
        self.settings = settings
        current = NIOLockedValueBox(try Self.read(settings))
    }

    var sslContextConfigurationOverride: NIOSSLContextConfigurationOverride {
        current.withLockedValue { $0 }
    }

    /// Reads the files again; nil when the new pair is in use, else why the old one stays.
    func reload() -> String? {
        do {
            let fresh = try Self.read(settings)
            current.withLockedValue { $0 = fresh }
            return nil
        } catch {
            return "TLS certificate reload failed, keeping the previous certificate: \(error)"
        }
    }

    static func read(_ settings: TLSSettings) throws -> NIOSSLContextConfigurationOverride {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(settings.certFile)
        } catch {
            throw FileError(description: "tls.cert_file \(settings.certFile): cannot read a PEM certificate (\(error))")
        }
        guard !chain.isEmpty else { throw FileError(description: "tls.cert_file \(settings.certFile): no PEM certificate in it") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: settings.keyFile, format: .pem)
        } catch {
            throw FileError(description: "tls.key_file \(settings.keyFile): cannot read a PEM private key (\(error))")
        }
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = chain.map { .certificate($0) }
        override.privateKey = .privateKey(key)
        return override
    }

    /// The clients' CA of mutual TLS, when configured.
    func clientCertificateAuthorities() throws -> [NIOSSLCertificate]? {
        guard let file = settings.clientCAFile else { return nil }
        do {
            let roots = try NIOSSLCertificate.fromPEMFile(file)
            guard !roots.isEmpty else { throw FileError(description: "tls.client_ca_file \(file): no PEM certificate in it") }
            return roots
        } catch let error as FileError {
            throw error
        } catch {
            throw FileError(description: "tls.client_ca_file \(file): cannot read PEM certificates (\(error))")
        }
    }

    /// The HTTP port's TLS: this reloader's pair, TLS 1.2 or 1.3 at least, and with a client CA
    /// a client certificate it signed required.
    func serverConfiguration() throws -> TLSConfiguration {
        var configuration: TLSConfiguration
        if let roots = try clientCertificateAuthorities() {
            configuration = try .makeServerConfigurationWithMTLS(certificateReloader: self, trustRoots: .certificates(roots))
            configuration.certificateVerification = .noHostnameVerification
        } else {
            configuration = try .makeServerConfiguration(certificateReloader: self)
        }
        configuration.minimumTLSVersion = settings.minimumVersion == .tls13 ? .tlsv13 : .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        return configuration
    }
}
