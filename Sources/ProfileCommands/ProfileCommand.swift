import ArgumentParser
// FoundationEssentials, not Foundation: Foundation brings ICU's data and its conformances into
// `correlator`, and their start-up relocations cost more than reading a small profile
// (Benchmarks/profiles.sh, `profile top heap`).
import FoundationEssentials
import ProfileIndex

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `correlator profile …`: reports on pprof files, reading like `go tool pprof`.
public struct ProfileCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Summarise pprof files: top functions, label tags, diffs.",
        subcommands: [ProfileTopCommand.self, ProfileTagsCommand.self, ProfileDiffCommand.self, ProfileThroughputCommand.self]
    )

    public init() {}
}

/// Reading and decoding a profile file for the subcommands.
enum ProfileFile {
    static let limits = ProfileDecodingLimits(maxDecompressedBytes: 1 << 30, maxSamples: 50_000_000)

    static func load(_ path: String) throws -> Profile {
        let bytes = try read(path)
        do {
            return try PprofDecoder(limits: limits).decode(bytes)
        } catch {
            throw ValidationError("\(path): \(error)")
        }
    }

    /// The bytes of the file at `path`; a failure names the file and the system's reason
    /// ("No such file or directory").
    static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw ValidationError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes.append(contentsOf: chunk[..<count])
            if count < chunk.count {
                if ferror(file) != 0 { throw ValidationError("cannot read \(path): \(String(cString: strerror(errno)))") }
                return bytes
            }
        }
    }

    static func sampleIndex(_ summary: ProfileSummary, _ name: String?, path: String) throws -> Int {
        guard let index = summary.sampleTypeIndex(named: name) else {
            throw ValidationError("\(path): no sample type '\(name ?? "")' (has \(summary.sampleTypes.map(\.type).joined(separator: ", ")))")
        }
        return index
    }

    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

public struct ProfileTopCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Functions by flat value, as `go tool pprof -top` prints them."
    )

    public init() {}

    @Argument(help: "A pprof file (gzipped or not).") var file: String
    @Option(name: .customLong("sample-index"), help: "Sample type by name or number (default: the profile's default).") var sampleIndex: String?
    @Option(name: .customLong("nodecount"), help: "Show at most N functions.") var nodeCount: Int?
    @Option(name: .customLong("tagfocus"), help: "Only samples with label key=value[,value…] (repeatable).") var tagFocus: [String] = []
    @Flag(help: "An array of {function, file, flat, cum} in the sample type's unit, largest flat first.") var json = false

    public func run() throws {
        let filters = try tagFocus.map { text in
            guard let filter = LabelFilter(parsing: text) else { throw ValidationError("--tagfocus '\(text)': expected key=value") }
            return filter
        }
        let summary = try ProfileFile.load(file).summary(filters: filters)
        let index = try ProfileFile.sampleIndex(summary, sampleIndex, path: file)
        if json {
            try ProfileFile.printJSON(PprofReport.topEntries(summary, sampleIndex: index, nodeCount: nodeCount))
        } else {
            print(PprofReport.renderTop(summary, sampleIndex: index, nodeCount: nodeCount), terminator: "")
        }
    }
}

public struct ProfileTagsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tags",
        abstract: "Label values and their share, as `go tool pprof -tags` prints them."
    )

    public init() {}

    @Argument(help: "A pprof file (gzipped or not).") var file: String
    @Option(name: .customLong("sample-index"), help: "Sample type by name or number.") var sampleIndex: String?
    @Flag(help: "Per label key, each value's totals per sample type.") var json = false

    public func run() throws {
        let summary = try ProfileFile.load(file).summary()
        let index = try ProfileFile.sampleIndex(summary, sampleIndex, path: file)
        if json {
            try ProfileFile.printJSON(summary.labels)
        } else {
            print(PprofReport.renderTags(summary, sampleIndex: index), terminator: "")
        }
    }
}

public struct ProfileDiffCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Per-function change from BASE to NEW, BASE normalised to NEW's total (pprof -normalize)."
    )

    public init() {}

    @Argument(help: "The baseline pprof file.") var base: String
    @Argument(help: "The new pprof file.") var new: String
    @Option(name: .customLong("sample-index"), help: "Sample type by name or number.") var sampleIndex: String?
    @Option(name: .customLong("nodecount"), help: "Show at most N functions (default 20).") var nodeCount = 20
    @Flag(help: "The whole diff as JSON.") var json = false

    public func run() throws {
        let baseSummary = try ProfileFile.load(base).summary()
        let newSummary = try ProfileFile.load(new).summary()
        guard let diff = ProfileDiff(base: baseSummary, new: newSummary, sampleType: sampleIndex) else {
            throw ValidationError("the profiles do not share sample type '\(sampleIndex ?? "default")'")
        }
        if json {
            try ProfileFile.printJSON(diff)
            return
        }
        let unit = diff.sampleType.unit
        func label(_ value: Double) -> String {
            PprofUnits.scaledLabel(Int64(value.rounded()), unit: unit, to: "minimum")
        }
        print("Type: \(diff.sampleType.type)")
        print("Base total \(label(Double(diff.baseTotal))), new total \(label(Double(diff.newTotal))), base scaled by \(PprofUnits.format("%.4f", diff.scale))")
        print(String(repeating: " ", count: 6) + "flat Δ     flat% Δ      cum Δ  function")
        let entries = diff.entries.sorted { abs($0.flatDelta) > abs($1.flatDelta) }.prefix(max(0, nodeCount))
        for entry in entries {
            let relative = entry.flatRelative.map { PprofUnits.format("%+.1f%%", $0 * 100) } ?? "new"
            let flat = (entry.flatDelta >= 0 ? "+" : "-") + label(abs(entry.flatDelta))
            let cum = (entry.cumDelta >= 0 ? "+" : "-") + label(abs(entry.cumDelta))
            print(pad(flat, 12) + " " + pad(relative, 10) + " " + pad(cum, 10) + "  " + entry.name)
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
