import Foundation

/// Files of `Tests/Fixtures/pprof-go119`, written by the Go 1.19 runtime profiler, and the
/// `go tool pprof` output recorded next to them.
enum Fixtures {
    static let directory: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.lastPathComponent != "Tests" { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Fixtures/pprof-go119")
    }()

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self)
    }

    /// The golden `-top` files, e.g. `cpu.cpu.top.txt` (profile `cpu.pb.gz`, sample index `cpu`).
    static let topGoldens: [String] = [
        "allocs.alloc_space.top.txt",
        "block.delay.top.txt",
        "cpu.cpu.top.txt",
        "cpu.samples.top.txt",
        "goroutine.goroutine.top.txt",
        "heap.alloc_space.top.txt",
        "heap.inuse_space.top.txt",
        "mutex.delay.top.txt",
    ]

    static let profiles = ["allocs", "block", "cpu", "goroutine", "heap", "mutex"]
}

/// A quantity as pprof prints it (`1.09s`, `245.20MB`, `80.0ms`, `310`), converted back to the
/// sample type's raw unit with the rounding its decimals allow.
struct PrintedQuantity {
    let value: Double
    let tolerance: Double

    init?(_ text: Substring, rawUnit: String) {
        let digits = text.prefix { $0.isNumber || $0 == "." || $0 == "-" }
        guard let number = Double(digits) else { return nil }
        let suffix = String(text.dropFirst(digits.count))
        let decimals = digits.firstIndex(of: ".").map { digits.distance(from: $0, to: digits.endIndex) - 1 } ?? 0
        let factors: [String: Double] = [
            "": 1, "ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9, "hrs": 3600e9,
            "B": 1, "kB": 1024, "MB": 1024 * 1024, "GB": 1024 * 1024 * 1024,
        ]
        guard let factor = factors[suffix] else { return nil }
        let rawFactor: Double = rawUnit == "nanoseconds" || rawUnit == "bytes" || suffix.isEmpty ? 1 : .nan
        value = number * factor / rawFactor
        tolerance = 0.5 * pow(10, Double(-decimals)) * factor / rawFactor + 1e-6
    }

    func matches(_ raw: Int64) -> Bool { abs(Double(raw) - value) <= tolerance }
}

/// A parsed `go tool pprof -top` output.
struct GoldenTop {
    struct Row {
        let flat: Substring
        let cum: Substring
        let name: String
        let mark: String?
    }

    let total: Substring
    let dropped: Int
    let rows: [Row]
    let text: String

    init(_ text: String) throws {
        self.text = text
        var total: Substring = ""
        var dropped = 0
        var rows: [Row] = []
        var inRows = false
        for line in text.split(separator: "\n") {
            if inRows {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                var name = fields[5...].joined(separator: " ")
                var mark: String?
                for candidate in [" (inline)", " (partial-inline)"] where name.hasSuffix(candidate) {
                    mark = String(candidate.dropFirst())
                    name.removeLast(candidate.count)
                }
                rows.append(Row(flat: fields[0], cum: fields[3], name: name, mark: mark))
            } else if line.hasPrefix("Showing nodes accounting for") {
                // "Showing nodes accounting for X, Y% of Z total"
                let parts = line.split(separator: " ")
                total = parts[parts.count - 2]
            } else if line.hasPrefix("Dropped ") {
                dropped = Int(line.split(separator: " ")[1])!
            } else if line.hasPrefix("      flat  flat%") {
                inRows = true
            }
        }
        self.total = total
        self.dropped = dropped
        self.rows = rows
    }
}
