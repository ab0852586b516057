import Correlator
import Foundation

/// Small charts drawn on the server as inline SVG (no script library, no CDN): a line of a
/// value over time for the explore page, and a scatter of slow requests for the overview. The
/// `svg` carries its time range (`data-from`, `data-to`, Unix nanoseconds) so the page's script
/// can turn a drag into a new range.
struct SVGChart {
    struct Point {
        var time: Int64
        var value: Double
        /// Hover text.
        var title: String
        /// A link (a dot of the scatter opens it).
        var href: String?
    }

    var from: Int64
    var to: Int64
    var width = 900
    var height = 180
    /// The value axis label (`cpu nanoseconds per minute`, `seconds`).
    var valueLabel: String
    /// Extra attributes of the `svg` (`data-select="range"` makes it draggable).
    var attributes = ""

    private let left = 64.0
    private let right = 12.0
    private let top = 10.0
    private let bottom = 26.0

    private func x(_ time: Int64) -> Double {
        let span = Double(max(to - from, 1))
        return left + (Double(time - from) / span) * (Double(width) - left - right)
    }

    private func y(_ value: Double, maximum: Double) -> Double {
        let plot = Double(height) - top - bottom
        return top + plot - (maximum > 0 ? value / maximum * plot : 0)
    }

    private func frame(id: String, maximum: Double, maximumText: String, body: String) -> String {
        let fmt = { (value: Double) in String(format: "%.1f", value) }
        var svg = "<svg id=\"\(id)\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" "
        svg += "width=\"100%\" preserveAspectRatio=\"none\" data-from=\"\(from)\" data-to=\"\(to)\" data-left=\"\(fmt(left))\" "
        svg += "data-right=\"\(fmt(right))\" data-width=\"\(width)\" \(attributes)>"
        svg += "<rect class=\"plot\" x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(Double(width) - left - right))\" height=\"\(fmt(Double(height) - top - bottom))\"/>"
        svg += "<text class=\"axis\" x=\"\(fmt(left - 4))\" y=\"\(fmt(top + 10))\" text-anchor=\"end\">\(HTMLText.escape(maximumText))</text>"
        svg += "<text class=\"axis\" x=\"\(fmt(left - 4))\" y=\"\(fmt(Double(height) - bottom))\" text-anchor=\"end\">0</text>"
        svg += "<text class=\"axis\" x=\"\(fmt(left))\" y=\"\(height - 8)\">\(HTMLText.escape(Self.time(from)))</text>"
        svg += "<text class=\"axis\" x=\"\(fmt(Double(width) - right))\" y=\"\(height - 8)\" text-anchor=\"end\">\(HTMLText.escape(Self.time(to)))</text>"
        svg += "<text class=\"axis\" x=\"\(fmt(Double(width) / 2))\" y=\"\(height - 8)\" text-anchor=\"middle\">\(HTMLText.escape(valueLabel))</text>"
        svg += body
        svg += "</svg>"
        return svg
    }

    /// A time to the second, for the axis.
    static func time(_ nanos: Int64) -> String {
        String(Timestamp.rfc3339(nanos).prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    /// The points joined by a line, each a dot with its value on hover.
    func line(_ points: [Point], id: String, maximumText: (Double) -> String) -> String {
        let maximum = points.map(\.value).max() ?? 0
        var body = ""
        if points.count > 1 {
            let path = points.map { String(format: "%.1f,%.1f", x($0.time), y($0.value, maximum: maximum)) }.joined(separator: " ")
            body += "<polyline class=\"series\" points=\"\(path)\"/>"
        }
        for point in points {
            body += String(format: "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" data-t=\"\(point.time)\">", x(point.time), y(point.value, maximum: maximum))
            body += "<title>\(HTMLText.escape(point.title))</title></circle>"
        }
        return frame(id: id, maximum: maximum, maximumText: maximumText(maximum), body: body)
    }

    /// A dot per point, each a link.
    func scatter(_ points: [Point], id: String, maximumText: (Double) -> String) -> String {
        let maximum = points.map(\.value).max() ?? 0
        var body = ""
        for point in points {
            let dot = String(format: "<circle class=\"dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\">", x(point.time), y(point.value, maximum: maximum))
                + "<title>\(HTMLText.escape(point.title))</title></circle>"
            if let href = point.href {
                body += "<a href=\"\(HTMLText.escape(href))\">\(dot)</a>"
            } else {
                body += dot
            }
        }
        return frame(id: id, maximum: maximum, maximumText: maximumText(maximum), body: body)
    }
}
