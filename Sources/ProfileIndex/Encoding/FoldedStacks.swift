/// Profiles sent as text, as Pyroscope's `/ingest` takes them and profilers such as py-spy
/// (`--format raw`) and Brendan Gregg's flame graph scripts write them:
///
/// - `folded`: one stack a line, frames root first separated by `;`, then a space and a count
///   (`main;handle;json.Marshal 12`); Pyroscope's default format;
/// - `lines`: one stack a line without a count: each line is one sample.
///
/// Frames are kept verbatim as function names (py-spy writes `name (file.py:12)`), as
/// Pyroscope shows them, a NUL included: py-spy can read a frame name half-written, and the
/// store replaces the NUL (``Profile/replaceNULInFunctions()``) rather than lose the stack.
/// Counts become values by `units`: CPU samples (`samples`, the default) give `samples/count`
/// and `cpu/nanoseconds` at `sampleRate` Hz; `objects`, `bytes`, `goroutines`, `lock_samples`
/// and `lock_nanoseconds` give the matching heap, goroutine and contention types.
public enum FoldedStacks {
    public enum Format: String, Sendable {
        case folded
        case lines
    }

    /// A line that is not a stack: its number (from 1) and what was wrong.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// The sample types, period type and period for a Pyroscope `units` value, nil for one it
    /// does not know.
    public static func sampleTypes(units: String, sampleRate: Int64) -> (types: [ProfileValueType], periodType: ProfileValueType?, period: Int64)? {
        let rate = max(1, sampleRate)
        switch units {
        case "", "samples":
            return ([.init(type: "samples", unit: "count"), .init(type: "cpu", unit: "nanoseconds")], .init(type: "cpu", unit: "nanoseconds"), 1_000_000_000 / rate)
        case "objects": return ([.init(type: "inuse_objects", unit: "count")], .init(type: "space", unit: "bytes"), 0)
        case "bytes": return ([.init(type: "inuse_space", unit: "bytes")], .init(type: "space", unit: "bytes"), 0)
        case "goroutines": return ([.init(type: "goroutine", unit: "count")], .init(type: "goroutine", unit: "count"), 0)
        case "lock_samples": return ([.init(type: "contentions", unit: "count")], .init(type: "contentions", unit: "count"), 0)
        case "lock_nanoseconds": return ([.init(type: "delay", unit: "nanoseconds")], .init(type: "contentions", unit: "count"), 0)
        default: return nil
        }
    }

    /// Parses `text` into a pprof encoder (not yet encoded), with at most `maxSamples`
    /// distinct stacks. Empty lines and lines with an empty stack (py-spy's idle samples) are
    /// skipped; counts of the same stack add up.
    public static func parse(
        _ text: Substring, format: Format, units: String, sampleRate: Int64, maxSamples: Int
    ) throws -> PprofEncoder {
        guard let layout = sampleTypes(units: units, sampleRate: sampleRate) else {
            throw ParseError(line: 0, reason: "units '\(units)' is not one of samples, objects, bytes, goroutines, lock_samples, lock_nanoseconds")
        }
        var counts: [Substring: Int64] = [:]
        var order: [Substring] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            if trimmed.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let stack: Substring
            let count: Int64
            switch format {
            case .lines:
                stack = trimmed
                count = 1
            case .folded:
                guard let space = trimmed.lastIndex(of: " ") else {
                    throw ParseError(line: lineNumber, reason: "expected 'frame;frame;… count', found no count")
                }
                guard let value = Int64(trimmed[trimmed.index(after: space)...]), value >= 0 else {
                    throw ParseError(line: lineNumber, reason: "count '\(trimmed[trimmed.index(after: space)...].prefix(40))' is not a non-negative integer")
                }
                stack = trimmed[..<space]
                count = value
            }
            // py-spy writes its idle samples as a count with no stack: nothing ran.
            let frames = stack.drop { $0 == " " || $0 == "\t" }
            if frames.allSatisfy({ $0 == ";" }) { continue }
            if counts[frames] == nil {
                guard order.count < maxSamples else {
                    throw ParseError(line: lineNumber, reason: "more than \(maxSamples) distinct stacks (max_samples_per_profile)")
                }
                order.append(frames)
            }
            counts[frames, default: 0] &+= count
        }
        var encoder = PprofEncoder(sampleTypes: layout.types, periodType: layout.periodType, period: layout.period)
        for stack in order {
            let count = counts[stack] ?? 0
            let frames = stack.split(separator: ";", omittingEmptySubsequences: true).map { ProfileFunction(name: String($0), filename: "") }
            let values = layout.types.count == 2 ? [count, count &* layout.period] : [count]
            encoder.addSample(stack: frames, values: values)
        }
        return encoder
    }
}
