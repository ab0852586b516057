// The byte-level scanner behind ExpositionParser. It reads one sample line per `next()` call
// into byte ranges, validating as it goes, and builds Strings only when asked to
// (`seriesLabels()`, `exemplarLabels()`), so lines the caller does not need cost no allocation.

@usableFromInline let lineFeed = UInt8(ascii: "\n")
private let carriageReturn = UInt8(ascii: "\r")
private let space = UInt8(ascii: " ")
private let tab = UInt8(ascii: "\t")
private let hash = UInt8(ascii: "#")
private let quote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\")
private let openBrace = UInt8(ascii: "{")
private let closeBrace = UInt8(ascii: "}")
private let comma = UInt8(ascii: ",")
private let equals = UInt8(ascii: "=")

/// A label of the current line as byte ranges into the input.
struct LabelRange {
    var nameStart: Int
    var nameEnd: Int
    /// After the opening quote.
    var valueStart: Int
    /// At the closing quote.
    var valueEnd: Int
    /// Whether the value contains a backslash escape.
    var escaped: Bool
}

/// A String made from a byte range of the input, kept to reuse when the next line repeats it.
struct CachedString {
    var start: Int
    var end: Int
    var string: String
}

/// Sample-name suffixes that decide family membership and where exemplars may appear.
enum SampleSuffix: Sendable {
    case none, total, created, bucket, count, sum, gcount, gsum, info, other

    static let table: [(bytes: [UInt8], suffix: SampleSuffix)] = [
        (Array("_total".utf8), .total), (Array("_created".utf8), .created),
        (Array("_bucket".utf8), .bucket), (Array("_count".utf8), .count),
        (Array("_sum".utf8), .sum), (Array("_gcount".utf8), .gcount),
        (Array("_gsum".utf8), .gsum), (Array("_info".utf8), .info),
    ]

    /// Whether a sample with this suffix belongs to a family of `type`.
    func belongs(to type: MetricType, openMetrics: Bool) -> Bool {
        if openMetrics {
            switch type {
            case .counter: return self == .total || self == .created
            case .histogram: return self == .bucket || self == .count || self == .sum || self == .created
            case .gaugehistogram: return self == .bucket || self == .gcount || self == .gsum
            case .summary: return self == .none || self == .count || self == .sum || self == .created
            case .info: return self == .info
            case .gauge, .stateset, .unknown: return self == .none
            }
        }
        switch type {
        case .histogram: return self == .bucket || self == .count || self == .sum
        case .summary: return self == .none || self == .count || self == .sum
        default: return self == .none
        }
    }

    /// Names a family of `type` claims, for OpenMetrics' clash check.
    static func claimed(by type: MetricType) -> [String] {
        switch type {
        case .counter: ["_total", "_created", ""]
        case .summary: ["", "_count", "_sum", "_created"]
        case .histogram: ["_count", "_sum", "_bucket", "_created", ""]
        case .gaugehistogram: ["_gcount", "_gsum", "_bucket", ""]
        case .info: ["_info", ""]
        default: [""]
        }
    }
}

struct TextScanner {
    let bytes: UnsafeRawBufferPointer
    let count: Int
    let openMetrics: Bool
    let limits: ExemplarLimits
    var position = 0

    // The current metric family.
    var hasFamily = false
    var familyStart = 0
    var familyEnd = 0
    var familyLine = 0
    var familyType = MetricType.unknown
    var familyHasType = false
    var familyHasHelp = false
    var familyHasUnit = false
    var familyHasSamples = false
    var familyString: String?
    var seenNames: Set<String> = []
    var sawEOF = false
    var seriesCount = 0

    // The current sample line.
    var lineStart = 0
    var nameStart = 0
    var nameEnd = 0
    var suffix = SampleSuffix.none
    var labels: [LabelRange] = []
    var value: Double = 0
    var timestamp: Int64?
    var hasExemplar = false
    var exemplarLabelRanges: [LabelRange] = []
    var exemplarValue: Double = 0
    var exemplarTimestamp: Int64?

    // Strings of the previous line, reused when this line repeats the bytes.
    var cachedName: CachedString?
    var cachedLabelNames: [CachedString] = []
    var cachedLabelValues: [CachedString] = []
    var scratch: [UInt8] = []

    init(bytes: UnsafeRawBufferPointer, format: ExpositionFormat, limits: ExemplarLimits) {
        self.bytes = bytes
        self.count = bytes.count
        self.openMetrics = format == .openMetrics
        self.limits = limits
        labels.reserveCapacity(16)
        exemplarLabelRanges.reserveCapacity(4)
    }

    @inline(__always) func byte(_ index: Int) -> UInt8 { bytes[index] }
    @inline(__always) func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    // MARK: Lines

    /// Reads up to and including the next sample line; false at the end of the input.
    mutating func next() throws(ScanFailure) -> Bool {
        while position < count {
            if sawEOF { throw ScanFailure(at: position, "unexpected text after '# EOF'") }
            lineStart = position
            let first = byte(position)
            if first == hash {
                try comment()
                continue
            }
            if first == lineFeed {
                if openMetrics { throw ScanFailure(at: position, "empty line; OpenMetrics does not allow blank lines") }
                position += 1
                continue
            }
            if !openMetrics && isBlank(first) {
                skipBlanks()
                if position == count { break }
                if byte(position) == lineFeed { position += 1; continue }
                if byte(position) == carriageReturn { try expectLineEnd(); continue }
                if byte(position) == hash { try comment(); continue }
            }
            try sampleLine()
            return true
        }
        if openMetrics {
            if !sawEOF {
                throw ScanFailure(.missingEOF, at: count, "missing '# EOF' at the end of the exposition")
            }
            try finishFamily()
        }
        return false
    }

    mutating func skipBlanks() {
        while position < count && isBlank(byte(position)) { position += 1 }
    }

    mutating func skipToLineEnd() {
        while position < count && byte(position) != lineFeed { position += 1 }
    }

    /// Consumes the LF that ends a line.
    mutating func expectLineEnd() throws(ScanFailure) {
        guard position < count else {
            if openMetrics {
                throw ScanFailure(.missingEOF, at: position, "missing '# EOF' at the end of the exposition")
            }
            return
        }
        let next = byte(position)
        if next == lineFeed {
            position += 1
            return
        }
        if next == carriageReturn {
            throw ScanFailure(at: position, "carriage return: lines must end in LF only")
        }
        throw ScanFailure(at: position, "expected the end of the line, found \(describe(at: position))")
    }

    /// The bytes at `index`, quoted, for error messages.
    func describe(at index: Int) -> String {
        guard index < count else { return "the end of the input" }
        var end = index
        while end < count && end - index < 24 && !isBlank(byte(end)) && byte(end) != lineFeed { end += 1 }
        if end == index { return byte(index) == lineFeed ? "the end of the line" : "a blank" }
        return "'" + String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index..<end]), as: UTF8.self) + "'"
    }

    // MARK: Comments and metadata

    mutating func comment() throws(ScanFailure) {
        openMetrics ? try openMetricsComment() : try prometheusComment()
    }

    mutating func openMetricsComment() throws(ScanFailure) {
        let start = position
        if matches("# EOF", at: start) && (start + 5 == count || byte(start + 5) == lineFeed) {
            sawEOF = true
            position = min(start + 6, count)
            return
        }
        guard start + 1 < count, byte(start + 1) == space else {
            throw ScanFailure(at: start + 1, "expected a space after '#'")
        }
        position = start + 2
        let keyword: UInt8
        if matches("TYPE ", at: position) { keyword = UInt8(ascii: "T") }
        else if matches("HELP ", at: position) { keyword = UInt8(ascii: "H") }
        else if matches("UNIT ", at: position) { keyword = UInt8(ascii: "U") }
        else { throw ScanFailure(at: position, "expected TYPE, HELP, UNIT or EOF after '# '") }
        position += 5
        let (nameStart, nameEnd) = try metadataName()
        try metadataFamily(nameStart, nameEnd, keyword: keyword)
        guard position < count, byte(position) == space else {
            throw ScanFailure(at: position, "expected a space after the metric name")
        }
        position += 1
        switch keyword {
        case UInt8(ascii: "T"):
            let typeStart = position
            skipToLineEnd()
            guard let type = metricType(typeStart, position) else {
                throw ScanFailure(.invalidMetadata, at: typeStart, "unknown metric type \(describe(at: typeStart))")
            }
            familyType = type
        case UInt8(ascii: "U"):
            let unitStart = position
            while position < count, isMetricNameCharacter(byte(position)) { position += 1 }
            if position < count, byte(position) != lineFeed {
                throw ScanFailure(at: position, "invalid character in unit")
            }
            let unitLength = position - unitStart
            if unitLength > 0 {
                // The family name must end in "_" + unit.
                let familyLength = familyEnd - familyStart
                let suffixStart = familyEnd - unitLength
                guard familyLength > unitLength + 1, byte(suffixStart - 1) == UInt8(ascii: "_"),
                    equalBytes(suffixStart, familyEnd, unitStart, position)
                else {
                    throw ScanFailure(.invalidMetadata, at: unitStart, "unit does not match the end of the metric name")
                }
            }
        default:
            skipToLineEnd()
        }
        try expectLineEnd()
    }

    mutating func prometheusComment() throws(ScanFailure) {
        position += 1
        skipBlanks()
        let keyword: UInt8
        if matches("TYPE", at: position) { keyword = UInt8(ascii: "T") }
        else if matches("HELP", at: position) { keyword = UInt8(ascii: "H") }
        else { skipToLineEnd(); try expectLineEnd(); return }
        position += 4
        guard position < count, isBlank(byte(position)) else {
            // "# TYPEWRITER …" is an ordinary comment.
            skipToLineEnd()
            try expectLineEnd()
            return
        }
        skipBlanks()
        let (nameStart, nameEnd) = try metadataName()
        try metadataFamily(nameStart, nameEnd, keyword: keyword)
        if keyword == UInt8(ascii: "T") {
            guard position < count, isBlank(byte(position)) else {
                throw ScanFailure(at: position, "expected a blank after the metric name")
            }
            skipBlanks()
            let typeStart = position
            while position < count, !isBlank(byte(position)), byte(position) != lineFeed,
                byte(position) != carriageReturn
            {
                position += 1
            }
            guard let type = metricType(typeStart, position) else {
                throw ScanFailure(.invalidMetadata, at: typeStart, "unknown metric type \(describe(at: typeStart))")
            }
            familyType = type
            skipBlanks()
        } else {
            skipToLineEnd()
        }
        try expectLineEnd()
    }

    mutating func metadataName() throws(ScanFailure) -> (Int, Int) {
        let start = position
        scanMetricName()
        guard position > start else { throw ScanFailure(at: start, "expected a metric name") }
        return (start, position)
    }

    /// Makes `name` the current family for a metadata line, or checks the line fits the current one.
    mutating func metadataFamily(_ start: Int, _ end: Int, keyword: UInt8) throws(ScanFailure) {
        if !hasFamily || !equalBytes(familyStart, familyEnd, start, end) {
            try beginFamily(start, end)
        } else if familyHasSamples && (openMetrics || keyword == UInt8(ascii: "T")) {
            throw ScanFailure(.invalidMetadata, at: lineStart, "metadata for '\(string(start, end))' after its samples")
        }
        let name: String
        switch keyword {
        case UInt8(ascii: "T"):
            if familyHasType { name = "TYPE" } else { familyHasType = true; return }
        case UInt8(ascii: "H"):
            if familyHasHelp && openMetrics { name = "HELP" } else { familyHasHelp = true; return }
        default:
            if familyHasUnit { name = "UNIT" } else { familyHasUnit = true; return }
        }
        throw ScanFailure(.invalidMetadata, at: lineStart, "second \(name) line for '\(string(start, end))'")
    }

    mutating func beginFamily(_ start: Int, _ end: Int) throws(ScanFailure) {
        try finishFamily()
        hasFamily = true
        familyStart = start
        familyEnd = end
        familyLine = lineStart
        familyType = .unknown
        familyHasType = false
        familyHasHelp = false
        familyHasUnit = false
        familyHasSamples = false
        familyString = nil
    }

    /// OpenMetrics: a family's names may not repeat an earlier family's (families are contiguous).
    mutating func finishFamily() throws(ScanFailure) {
        guard openMetrics, hasFamily else { return }
        let name = currentFamilyName()
        for suffix in SampleSuffix.claimed(by: familyType) {
            let claimed = name + suffix
            guard seenNames.insert(claimed).inserted else {
                throw ScanFailure(
                    .invalidMetadata, at: familyLine,
                    "metric family '\(name)' repeats or clashes with the earlier name '\(claimed)'; families must be contiguous"
                )
            }
        }
        hasFamily = false
    }

    func metricType(_ start: Int, _ end: Int) -> MetricType? {
        let length = end - start
        guard length >= 4 && length <= 14 else { return nil }
        let text = string(start, end)
        if !openMetrics {
            switch text {
            case "counter": return .counter
            case "gauge": return .gauge
            case "histogram": return .histogram
            case "summary": return .summary
            case "untyped": return .unknown
            default: return nil
            }
        }
        return MetricType(rawValue: text)
    }

    // MARK: Samples

    mutating func sampleLine() throws(ScanFailure) {
        nameStart = position
        scanMetricName()
        nameEnd = position
        guard nameEnd > nameStart else { throw ScanFailure(at: position, "expected a metric name") }
        labels.removeAll(keepingCapacity: true)
        if position < count && byte(position) == openBrace {
            try parseLabels(series: true)
        } else if !openMetrics {
            let afterName = position
            skipBlanks()
            if position < count && byte(position) == openBrace {
                try parseLabels(series: true)
            } else {
                position = afterName
            }
        }
        if openMetrics {
            guard position < count, byte(position) == space else {
                throw ScanFailure(at: position, "expected a space before the value, found \(describe(at: position))")
            }
            position += 1
        } else {
            guard position < count, isBlank(byte(position)) else {
                throw ScanFailure(at: position, "expected a blank before the value, found \(describe(at: position))")
            }
            skipBlanks()
        }
        value = try number()
        timestamp = nil
        hasExemplar = false
        if openMetrics {
            if position < count && byte(position) == space {
                position += 1
                if position < count && byte(position) != hash {
                    timestamp = try secondsTimestamp()
                    if position < count && byte(position) == space {
                        position += 1
                        guard position < count, byte(position) == hash else {
                            throw ScanFailure(at: position, "expected '#' to start an exemplar")
                        }
                    }
                }
                if position < count && byte(position) == hash { try exemplar() }
            }
        } else {
            skipBlanks()
            if position < count && byte(position) != lineFeed && byte(position) != carriageReturn {
                if byte(position) == hash {
                    throw ScanFailure(
                        .exemplarNotAllowed, at: position,
                        "exemplars are not allowed in the Prometheus 0.0.4 text format"
                    )
                }
                timestamp = try millisecondsTimestamp()
                skipBlanks()
            }
        }
        try expectLineEnd()
        try assignFamily()
        seriesCount += 1
        if seriesCount > limits.maxSeriesPerRequest {
            throw ScanFailure(
                .tooManySeries, at: lineStart,
                "more than \(limits.maxSeriesPerRequest) series in one request"
            )
        }
    }

    mutating func exemplar() throws(ScanFailure) {
        let start = position
        guard start + 1 < count, byte(start + 1) == space else {
            throw ScanFailure(at: start + 1, "expected a space after '#'")
        }
        position += 2
        guard position < count, byte(position) == openBrace else {
            throw ScanFailure(at: position, "expected '{' to open the exemplar's labels")
        }
        try parseLabels(series: false)
        guard position < count, byte(position) == space else {
            throw ScanFailure(at: position, "expected a space before the exemplar's value")
        }
        position += 1
        exemplarValue = try number()
        exemplarTimestamp = nil
        if position < count && byte(position) == space {
            position += 1
            exemplarTimestamp = try secondsTimestamp()
        }
        hasExemplar = true
        exemplarStart = start
    }

    var exemplarStart = 0

    /// Puts the sample in the current family, or starts a family named after it.
    mutating func assignFamily() throws(ScanFailure) {
        suffix = .other
        if hasFamily {
            let familyLength = familyEnd - familyStart
            let nameLength = nameEnd - nameStart
            if nameLength >= familyLength && equalBytes(familyStart, familyEnd, nameStart, nameStart + familyLength) {
                suffix = sampleSuffix(nameStart + familyLength, nameEnd)
            }
        }
        if !hasFamily || !suffix.belongs(to: familyType, openMetrics: openMetrics) {
            try beginFamily(nameStart, nameEnd)
            suffix = .none
        }
        familyHasSamples = true
        if hasExemplar {
            let allowed =
                (familyType == .counter && suffix == .total)
                || ((familyType == .histogram || familyType == .gaugehistogram) && suffix == .bucket)
            if !allowed {
                throw ScanFailure(
                    .exemplarNotAllowed, at: exemplarStart,
                    "exemplars are only allowed on counter '_total' and histogram '_bucket' samples"
                )
            }
        }
    }

    func sampleSuffix(_ start: Int, _ end: Int) -> SampleSuffix {
        if start == end { return .none }
        for entry in SampleSuffix.table where entry.bytes.count == end - start {
            var equal = true
            for index in 0..<entry.bytes.count where entry.bytes[index] != byte(start + index) {
                equal = false
                break
            }
            if equal { return entry.suffix }
        }
        return .other
    }

    // MARK: Labels

    mutating func parseLabels(series: Bool) throws(ScanFailure) {
        position += 1
        if series {
            labels.removeAll(keepingCapacity: true)
        } else {
            exemplarLabelRanges.removeAll(keepingCapacity: true)
        }
        if !openMetrics { skipBlanks() }
        if position < count && byte(position) == closeBrace {
            position += 1
            return
        }
        while true {
            let labelStart = position
            if position < count, isLabelNameStart(byte(position)) {
                position += 1
                while position < count, isLabelNameCharacter(byte(position)) { position += 1 }
            }
            let labelEnd = position
            guard labelEnd > labelStart else {
                throw ScanFailure(at: position, "expected a label name, found \(describe(at: position))")
            }
            if !openMetrics { skipBlanks() }
            guard position < count, byte(position) == equals else {
                throw ScanFailure(at: position, "expected '=' after label name")
            }
            position += 1
            if !openMetrics { skipBlanks() }
            guard position < count, byte(position) == quote else {
                throw ScanFailure(at: position, "expected '\"' to open the label value")
            }
            position += 1
            let valueStart = position
            var escaped = false
            var escapes = 0
            var nonASCII: UInt8 = 0
            while true {
                guard position < count else {
                    throw ScanFailure(at: valueStart - 1, "unterminated label value")
                }
                let next = byte(position)
                if next == quote { break }
                if next == backslash {
                    let escapee = position + 1 < count ? byte(position + 1) : 0
                    guard escapee == backslash || escapee == quote || escapee == UInt8(ascii: "n") else {
                        throw ScanFailure(at: position, "invalid escape sequence in label value (only \\\\, \\\" and \\n)")
                    }
                    escaped = true
                    escapes += 1
                    position += 2
                    continue
                }
                if next == lineFeed {
                    throw ScanFailure(at: position, "unterminated label value (the line ends inside quotes)")
                }
                nonASCII |= next
                position += 1
            }
            let valueEnd = position
            position += 1
            if nonASCII & 0x80 != 0 {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd])
                guard String(validating: raw, as: UTF8.self) != nil else {
                    throw ScanFailure(.invalidUTF8, at: valueStart, "label value is not valid UTF-8")
                }
            }
            let range = LabelRange(
                nameStart: labelStart, nameEnd: labelEnd,
                valueStart: valueStart, valueEnd: valueEnd, escaped: escaped
            )
            if series {
                try checkSeriesLabel(range, unescapedLength: valueEnd - valueStart - escapes)
                labels.append(range)
            } else {
                for other in exemplarLabelRanges
                where equalBytes(other.nameStart, other.nameEnd, labelStart, labelEnd) {
                    throw ScanFailure(
                        .duplicateLabel, at: labelStart,
                        "label '\(string(labelStart, labelEnd))' appears twice in the exemplar"
                    )
                }
                exemplarLabelRanges.append(range)
            }
            if !openMetrics { skipBlanks() }
            guard position < count else { throw ScanFailure(at: position, "expected ',' or '}' after label value") }
            let separator = byte(position)
            if separator == comma {
                position += 1
                if !openMetrics {
                    skipBlanks()
                    if position < count && byte(position) == closeBrace {
                        position += 1
                        return
                    }
                }
                continue
            }
            if separator == closeBrace {
                position += 1
                return
            }
            throw ScanFailure(at: position, "expected ',' or '}' after label value, found \(describe(at: position))")
        }
    }

    func checkSeriesLabel(_ label: LabelRange, unescapedLength: Int) throws(ScanFailure) {
        if labels.count + 2 > limits.maxLabelsPerSeries {
            throw ScanFailure(
                .tooManyLabels, at: label.nameStart,
                "series has more than \(limits.maxLabelsPerSeries) labels (including __name__)"
            )
        }
        if label.nameEnd - label.nameStart > limits.maxLabelNameLength {
            throw ScanFailure(
                .labelNameTooLong, at: label.nameStart,
                "label name longer than \(limits.maxLabelNameLength) bytes"
            )
        }
        if unescapedLength > limits.maxLabelValueLength {
            throw ScanFailure(
                .labelValueTooLong, at: label.valueStart,
                "value of label '\(string(label.nameStart, label.nameEnd))' longer than \(limits.maxLabelValueLength) bytes"
            )
        }
        if matches(Label.metricNameKey, from: label.nameStart, to: label.nameEnd) {
            throw ScanFailure(.duplicateLabel, at: label.nameStart, "label '__name__' repeats the metric name")
        }
        for other in labels where equalBytes(other.nameStart, other.nameEnd, label.nameStart, label.nameEnd) {
            throw ScanFailure(
                .duplicateLabel, at: label.nameStart,
                "label '\(string(label.nameStart, label.nameEnd))' appears twice"
            )
        }
    }

    // MARK: Numbers

    /// The end of a value or timestamp token.
    mutating func tokenEnd() -> Int {
        var end = position
        while end < count {
            let next = byte(end)
            if next == space || next == lineFeed || next == carriageReturn || (!openMetrics && next == tab) { break }
            end += 1
        }
        return end
    }

    mutating func number() throws(ScanFailure) -> Double {
        let start = position
        let end = tokenEnd()
        guard end > start else { throw ScanFailure(at: start, "expected a number, found \(describe(at: start))") }
        guard let value = NumberParser.double(bytes, start, end) else {
            throw ScanFailure(at: start, "invalid number \(describe(at: start))")
        }
        position = end
        return value
    }

    mutating func secondsTimestamp() throws(ScanFailure) -> Int64 {
        let start = position
        let end = tokenEnd()
        guard end > start else { throw ScanFailure(at: start, "expected a timestamp, found \(describe(at: start))") }
        guard let value = NumberParser.secondsToMilliseconds(bytes, start, end) else {
            throw ScanFailure(at: start, "invalid timestamp \(describe(at: start)) (expected seconds since the epoch)")
        }
        position = end
        return value
    }

    mutating func millisecondsTimestamp() throws(ScanFailure) -> Int64 {
        let start = position
        let end = tokenEnd()
        guard let value = NumberParser.integer(bytes, start, end) else {
            throw ScanFailure(at: start, "invalid timestamp \(describe(at: start)) (expected integer milliseconds)")
        }
        position = end
        return value
    }

    // MARK: Bytes

    mutating func scanMetricName() {
        guard position < count, isMetricNameStart(byte(position)) else { return }
        position += 1
        while position < count, isMetricNameCharacter(byte(position)) { position += 1 }
    }

    func matches(_ literal: StaticString, at start: Int) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard count - start >= length else { return false }
        let pointer = literal.utf8Start
        for index in 0..<length where pointer[index] != byte(start + index) { return false }
        return true
    }

    func matches(_ literal: String, from start: Int, to end: Int) -> Bool {
        var literal = literal
        return literal.withUTF8 { text in
            guard text.count == end - start else { return false }
            for index in 0..<text.count where text[index] != byte(start + index) { return false }
            return true
        }
    }

    @inline(__always)
    func equalBytes(_ aStart: Int, _ aEnd: Int, _ bStart: Int, _ bEnd: Int) -> Bool {
        let length = aEnd - aStart
        guard length == bEnd - bStart else { return false }
        var index = 0
        while length - index >= 8 {
            if bytes.loadUnaligned(fromByteOffset: aStart + index, as: UInt64.self)
                != bytes.loadUnaligned(fromByteOffset: bStart + index, as: UInt64.self)
            {
                return false
            }
            index += 8
        }
        while index < length {
            if byte(aStart + index) != byte(bStart + index) { return false }
            index += 1
        }
        return true
    }

    func string(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    // MARK: Building values

    mutating func currentFamilyName() -> String {
        if let familyString { return familyString }
        let name = string(familyStart, familyEnd)
        familyString = name
        return name
    }

    mutating func metricName() -> String {
        if let cachedName, equalBytes(cachedName.start, cachedName.end, nameStart, nameEnd) {
            return cachedName.string
        }
        let name = string(nameStart, nameEnd)
        cachedName = CachedString(start: nameStart, end: nameEnd, string: name)
        return name
    }

    /// The current line's series labels, `__name__` included.
    mutating func seriesLabels() -> LabelSet {
        var result: [Label] = []
        result.reserveCapacity(labels.count + 1)
        result.append(Label(name: Label.metricNameKey, value: metricName()))
        // Moved out of self while in use, so filling them does not overlap with self's access.
        var names = cachedLabelNames
        var values = cachedLabelValues
        cachedLabelNames = []
        cachedLabelValues = []
        for index in labels.indices {
            let range = labels[index]
            let name = cached(&names, index, range.nameStart, range.nameEnd, escaped: false)
            let value = cached(&values, index, range.valueStart, range.valueEnd, escaped: range.escaped)
            result.append(Label(name: name, value: value))
        }
        cachedLabelNames = names
        cachedLabelValues = values
        LabelSet.sortByName(&result)
        return LabelSet(sortedUnique: result)
    }

    /// The current line's exemplar labels.
    mutating func exemplarLabels() -> LabelSet {
        var result: [Label] = []
        result.reserveCapacity(exemplarLabelRanges.count)
        for range in exemplarLabelRanges {
            result.append(
                Label(
                    name: string(range.nameStart, range.nameEnd),
                    value: range.escaped
                        ? unescaped(range.valueStart, range.valueEnd) : string(range.valueStart, range.valueEnd)
                )
            )
        }
        LabelSet.sortByName(&result)
        return LabelSet(sortedUnique: result)
    }

    mutating func cached(_ cache: inout [CachedString], _ index: Int, _ start: Int, _ end: Int, escaped: Bool) -> String {
        if index < cache.count, equalBytes(cache[index].start, cache[index].end, start, end) {
            return cache[index].string
        }
        let made = escaped ? unescaped(start, end) : string(start, end)
        let entry = CachedString(start: start, end: end, string: made)
        if index < cache.count { cache[index] = entry } else { cache.append(entry) }
        return made
    }

    /// A label value with `\\`, `\"` and `\n` resolved (validated by `parseLabels`).
    mutating func unescaped(_ start: Int, _ end: Int) -> String {
        scratch.removeAll(keepingCapacity: true)
        var index = start
        while index < end {
            let next = byte(index)
            if next == backslash {
                let escapee = byte(index + 1)
                scratch.append(escapee == UInt8(ascii: "n") ? lineFeed : escapee)
                index += 2
            } else {
                scratch.append(next)
                index += 1
            }
        }
        return String(decoding: scratch, as: UTF8.self)
    }
}

@inline(__always) func isMetricNameStart(_ byte: UInt8) -> Bool {
    let lower = byte | 0x20
    return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
        || byte == UInt8(ascii: ":")
}

@inline(__always) func isMetricNameCharacter(_ byte: UInt8) -> Bool {
    isMetricNameStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
}

@inline(__always) func isLabelNameStart(_ byte: UInt8) -> Bool {
    let lower = byte | 0x20
    return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
}

@inline(__always) func isLabelNameCharacter(_ byte: UInt8) -> Bool {
    isLabelNameStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
}
