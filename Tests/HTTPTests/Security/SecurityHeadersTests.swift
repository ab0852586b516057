import Correlator
import HTTP
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Every response carries the headers that keep a browser safe; HTML pages carry a CSP that
/// allows no inline script.
@Suite("Security headers")
struct SecurityHeadersTests {
    @Test func pagesAPIAndRefusalsCarryThem() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try TestDatabase.makeStore(client), configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                for (uri, html) in [("/ui/", true), ("/ui/traces/nothex", true), ("/api/v1/profiles", false), ("/no/such/route", false)] {
                    try await http.execute(uri: uri, method: .get) { response in
                        #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
                        #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(uri)")
                        #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin", "\(uri)")
                        let policy = response.headers[.contentSecurityPolicy]
                        if html {
                            #expect(policy?.contains("script-src 'self'") == true && policy?.contains("frame-ancestors 'none'") == true, "\(uri)")
                            #expect(policy?.contains("unsafe-inline") == true && policy?.contains("script-src 'self' 'unsafe-inline'") == false)
                        } else {
                            #expect(policy == nil, "\(uri)")
                        }
                    }
                }
            }
        }
    }

    /// A NUL in any query parameter is a 400 naming it (PostgreSQL text cannot hold one), found
    /// by schemathesis as a 500 from the span-group merge.
    @Test func aNULInAQueryParameterIsA400NamingIt() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            let app = Application(router: buildRouter(store: try TestDatabase.makeStore(client), configuration: CorrelatorConfiguration()))
            try await app.test(.router) { http in
                for uri in ["/api/v1/query/flamegraph?span_name=a%00b", "/api/v1/profiles?service=x%00", "/api/v1/labels?selector=%7B%7D&x%00=1", "/ui/explore?span_name=%00"] {
                    try await http.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .badRequest, "\(uri)")
                        #expect(String(buffer: response.body).contains("NUL"), "\(uri)")
                        // Pages answer pages, as documented.
                        let html = uri.hasPrefix("/ui")
                        #expect(response.headers[.contentType]?.hasPrefix(html ? "text/html" : "application/json") == true, "\(uri)")
                    }
                }
            }
        }
    }
}
