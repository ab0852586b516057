import Correlator
import Foundation
import HTTP
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TestSupport

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    /// Every route the router serves is described, with its method, and the router has no clashes.
    @Test func everyRegisteredRouteIsDescribed() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let logger = Logger(label: "test")
            let store = Store(client: client, target: "test", migrator: try Migrator(directory: TestDatabase.migrationsDirectory, logger: logger), logger: logger)
            let router = buildRouter(store: store, configuration: CorrelatorConfiguration())
            try router.validate()
            let app = Application(router: router)
            let yaml: String = try await app.test(.router) { http in
                try await http.execute(uri: "/openapi.yaml", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
                    return String(buffer: response.body)
                }
            }
            #expect(yaml.hasPrefix("openapi: 3.1"))
            let described = Self.operations(in: yaml)
            #expect(router.routes.count > 10)
            // HEAD is generated for every GET route (the document describes the GET).
            for route in router.routes where route.method != .head {
                let path = Self.normalise("\(route.path)")
                let method = route.method.rawValue.lowercased()
                #expect(described.contains("\(method) \(path)"), "\(method.uppercased()) \(path) is served but not in openapi.yaml")
            }
        }
    }

    /// `method path` of every operation in the document, path parameters normalised to `{}`.
    static func operations(in yaml: String) -> Set<String> {
        var result: Set<String> = []
        var inPaths = false
        var path: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, let first = line.first, first != " " { inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                var text = line.dropFirst(2).dropLast()
                if text.hasPrefix("\""), text.hasSuffix("\"") { text = text.dropFirst().dropLast() }
                path = normalise(String(text))
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path {
                let key = line.dropFirst(4).prefix { $0 != ":" }
                if ["get", "post", "put", "delete", "patch", "head"].contains(String(key)) {
                    result.insert("\(key) \(path)")
                }
            }
        }
        return result
    }

    static func normalise(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") || (part.hasPrefix("{") && part.hasSuffix("}")) ? "{}" : String(part)
        }.joined(separator: "/")
    }
}
