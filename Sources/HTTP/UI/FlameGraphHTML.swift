import Foundation
import ProfileIndex

/// A flame graph (icicle: callers on top) rendered on the server as nested `div`s whose widths
/// are percentages of their parent, so the browser lays out 10,000 frames without script; the
/// page's script only zooms (ui.js). Each frame carries its values for hover (`title`) and for
/// tests (`data-v` total, `data-s` self).
struct FlameGraphHTML {
    /// Unit of the values, for the labels (`nanoseconds`, `bytes`, `count`).
    var unit: String
    /// Frames narrower than this fraction of the root are left out (pprof's `-nodefraction`
    /// spirit): they are under a pixel wide unless zoomed far in.
    var minimumFraction: Double = 0.0001
    /// Background per function for the diff view; nil for the usual warm palette.
    var diffColour: (@Sendable (String, String) -> String?)?

    struct Rendered {
        var html: String
        var shownFrames: Int
        var hiddenFrames: Int
    }

    func render(_ root: FlameGraphNode) -> Rendered {
        var html = ""
        html.reserveCapacity(1 << 16)
        var shown = 0
        var hidden = 0
        let total = max(root.total, 1)
        let minimum = Int64((Double(total) * minimumFraction).rounded(.up))

        func frame(_ node: FlameGraphNode, parentTotal: Int64, isRoot: Bool) {
            shown += 1
            let width = isRoot ? 100 : Double(node.total) / Double(max(parentTotal, 1)) * 100
            let value = PprofUnits.scaledLabel(node.total, unit: unit, to: "minimum")
            let selfValue = PprofUnits.scaledLabel(node.selfValue, unit: unit, to: "minimum")
            let share = PprofUnits.percentage(node.total, of: total).trimmingCharacters(in: .whitespaces)
            let name = isRoot ? "all" : node.name
            let title = "\(name)\n\(value) (\(share)), self \(selfValue)" + (node.file.map { "\n\($0)" } ?? "")
            let background = isRoot ? "#d8d8d8" : (diffColour?(node.name, node.file ?? "") ?? Self.warmColour(node.name))
            html += "<div class=\"n\(isRoot ? " root" : "")\" style=\"width:"
            html += String(format: "%.4f", width)
            html += "%\" data-v=\"\(node.total)\" data-s=\"\(node.selfValue)\" title=\""
            html += HTMLText.escape(title)
            html += "\"><span style=\"background:\(background)\">"
            html += HTMLText.escape(name)
            html += "</span>"
            let visible = node.children.filter { $0.total >= minimum && $0.total > 0 }
            hidden += node.children.count - visible.count
            if !visible.isEmpty {
                html += "<div class=\"c\">"
                for child in visible { frame(child, parentTotal: node.total, isRoot: false) }
                html += "</div>"
            }
            html += "</div>"
        }
        frame(root, parentTotal: root.total, isRoot: true)
        return Rendered(html: html, shownFrames: shown, hiddenFrames: hidden)
    }

    /// flamegraph.pl's warm palette, stable per function name.
    static func warmColour(_ name: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        let hue = Int(hash % 55)
        let lightness = 55 + Int((hash >> 8) % 15)
        return "hsl(\(hue),85%,\(lightness)%)"
    }

    /// Diff colours: red for a function that grew, green for one that shrank, by its change in
    /// share of the current total (full colour at `saturation` points), pale when unchanged.
    static func diffColour(change: Double, saturation: Double = 0.05) -> String {
        let strength = min(abs(change) / saturation, 1)
        if strength < 0.02 { return "hsl(0,0%,85%)" }
        let lightness = Int((92 - 42 * strength).rounded())
        return change > 0 ? "hsl(0,85%,\(lightness)%)" : "hsl(120,55%,\(lightness)%)"
    }
}
