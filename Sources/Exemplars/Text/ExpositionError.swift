/// A text exposition could not be parsed: what was wrong, on which line and at which column.
///
/// `description` reads `line 12, column 30: expected '=' after label name`. Lines and columns
/// start at 1; columns count Unicode code points from the start of the line.
public struct ExpositionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem, comparable with `==` (`error.code == .tooManySeries`).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case syntax, invalidUTF8, duplicateLabel, invalidMetadata, missingEOF
            case exemplarNotAllowed, labelNameTooLong, labelValueTooLong, tooManyLabels, tooManySeries
        }

        fileprivate let base: Base

        /// The line does not follow the format's grammar.
        public static let syntax = Code(base: .syntax)
        /// A label value is not valid UTF-8.
        public static let invalidUTF8 = Code(base: .invalidUTF8)
        /// A label name occurs twice in one label set.
        public static let duplicateLabel = Code(base: .duplicateLabel)
        /// A `# TYPE`, `# HELP` or `# UNIT` line is repeated, misplaced or names an unknown type,
        /// or a metric family is split in two.
        public static let invalidMetadata = Code(base: .invalidMetadata)
        /// An OpenMetrics exposition does not end with `# EOF`.
        public static let missingEOF = Code(base: .missingEOF)
        /// An exemplar on a sample that may not carry one (or any exemplar in Prometheus 0.0.4 text).
        public static let exemplarNotAllowed = Code(base: .exemplarNotAllowed)
        /// A series label name is longer than ``ExemplarLimits/maxLabelNameLength``.
        public static let labelNameTooLong = Code(base: .labelNameTooLong)
        /// A series label value is longer than ``ExemplarLimits/maxLabelValueLength``.
        public static let labelValueTooLong = Code(base: .labelValueTooLong)
        /// A series has more labels than ``ExemplarLimits/maxLabelsPerSeries``.
        public static let tooManyLabels = Code(base: .tooManyLabels)
        /// The exposition has more samples than ``ExemplarLimits/maxSeriesPerRequest``.
        public static let tooManySeries = Code(base: .tooManySeries)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// 1-based line number.
    public let line: Int
    /// 1-based column, in Unicode code points.
    public let column: Int
    /// What was wrong, without the position.
    public let reason: String

    /// Whether a limit of ``ExemplarLimits`` was exceeded (rather than the input being malformed).
    public var isLimitViolation: Bool {
        switch code.base {
        case .labelNameTooLong, .labelValueTooLong, .tooManyLabels, .tooManySeries: true
        default: false
        }
    }

    public var description: String { "line \(line), column \(column): \(reason)" }

    init(code: Code, line: Int, column: Int, reason: String) {
        self.code = code
        self.line = line
        self.column = column
        self.reason = reason
    }
}

/// A failure found by the scanner, located by byte offset; turned into an ``ExpositionError``
/// (line and column) only when it escapes, so the hot loop never counts lines.
struct ScanFailure: Error {
    let offset: Int
    let code: ExpositionError.Code
    let reason: String

    init(_ code: ExpositionError.Code, at offset: Int, _ reason: String) {
        self.offset = offset
        self.code = code
        self.reason = reason
    }

    init(at offset: Int, _ reason: String) {
        self.init(.syntax, at: offset, reason)
    }

    func located(in bytes: UnsafeRawBufferPointer) -> ExpositionError {
        let end = min(offset, bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<end where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        var column = 1
        for index in lineStart..<end where bytes[index] & 0xC0 != 0x80 {
            column += 1
        }
        return ExpositionError(code: code, line: line, column: column, reason: reason)
    }
}
