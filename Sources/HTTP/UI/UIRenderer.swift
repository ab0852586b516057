import Foundation
import Hummingbird
import Mustache
import NIOCore

/// Renders the embedded templates (``UITemplates``) into HTML responses.
struct UIRenderer: Sendable {
    let library: MustacheLibrary

    /// The library of every embedded template, parsed once.
    static let shared = UIRenderer()

    private init() {
        var library = MustacheLibrary()
        for (name, text) in UITemplates.all {
            do {
                try library.register(text, named: name)
            } catch {
                // The templates are compiled into the binary; UIPageTests renders every one.
                fatalError("embedded template '\(name)' does not parse: \(error)")
            }
        }
        self.library = library
    }

    /// The rendered template as a `text/html` response.
    func page(_ template: String, _ model: Any, status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(model, withTemplate: template) ?? "template \(template) is missing"
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    /// An error page: what was not found (or was wrong) and the search box.
    func error(_ status: HTTPResponse.Status, heading: String, message: String, search: String = "") -> Response {
        page("error", ErrorPage(heading: heading, message: message, search: search), status: status)
    }
}

/// The model of the error template.
struct ErrorPage {
    var heading: String
    var message: String
    var search: String
}
