import Exemplars
import NIOCore

/// Preparing a batch of exemplars for the `exemplars` table: repeats collapsed, rows rendered
/// in COPY text format.
enum ExemplarBatch {
    /// The exemplars of `batch` without in-batch repeats: per series, in time order, an exemplar
    /// with the same labels and value as the previous kept one (or the same timestamp) is
    /// dropped. See ``Store/writeExemplars(_:tenant:)`` for why.
    static func collapsingRepeats(_ batch: [Exemplar]) -> [Exemplar] {
        guard batch.count > 1 else { return batch }
        var order = Array(batch.indices)
        order.sort { a, b in
            let x = batch[a], y = batch[b]
            if x.series.fingerprint != y.series.fingerprint { return x.series.fingerprint < y.series.fingerprint }
            if x.timestamp != y.timestamp { return x.timestamp < y.timestamp }
            return a < b
        }
        var kept: [Exemplar] = []
        kept.reserveCapacity(batch.count)
        var previous: Exemplar?
        for index in order {
            let exemplar = batch[index]
            if let last = previous, last.series.fingerprint == exemplar.series.fingerprint {
                if last.timestamp == exemplar.timestamp { continue }
                if last.labels == exemplar.labels && sameValue(last.value, exemplar.value) { continue }
            }
            kept.append(exemplar)
            previous = exemplar
        }
        return kept
    }

    /// PostgreSQL's float8 equality: NaN equals NaN.
    static func sameValue(_ a: Double, _ b: Double) -> Bool {
        a == b || (a.isNaN && b.isNaN)
    }

    /// Rows for `COPY exemplar_staging (ts_ms, metric, series, series_fp, value, trace_id,
    /// span_id, profile_id, labels) FROM STDIN (FORMAT text)`.
    static func copyText(_ exemplars: [Exemplar]) -> ByteBuffer {
        var row = CopyTextWriter(capacity: exemplars.count * 256)
        for exemplar in exemplars {
            row.integer(exemplar.timestamp)
            row.tab()
            row.text(exemplar.metricName)
            row.tab()
            row.json(exemplar.series)
            row.tab()
            row.integer(Int64(bitPattern: exemplar.series.fingerprint))
            row.tab()
            row.double(exemplar.value)
            row.tab()
            if let traceID = exemplar.traceID { row.bytea(traceID.bytes) } else { row.null() }
            row.tab()
            if let spanID = exemplar.spanID { row.bytea(spanID.bytes) } else { row.null() }
            row.tab()
            if let profileID = exemplar.profileID { row.text(profileID) } else { row.null() }
            row.tab()
            row.json(exemplar.labels)
            row.newline()
        }
        return ByteBuffer(bytes: row.bytes)
    }
}

/// PostgreSQL `COPY … (FORMAT text)` fields: tab-separated, `\N` for null, backslash escapes.
struct CopyTextWriter {
    var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func tab() { bytes.append(0x09) }
    mutating func newline() { bytes.append(0x0A) }
    mutating func null() { bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")]) }

    mutating func integer(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// float8 input syntax: `Infinity`, `-Infinity`, `NaN`, or Swift's shortest round-trip form.
    mutating func double(_ value: Double) {
        if value.isNaN {
            bytes.append(contentsOf: "NaN".utf8)
        } else if value.isInfinite {
            bytes.append(contentsOf: (value > 0 ? "Infinity" : "-Infinity").utf8)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    /// bytea in hex input form (`\x…`, its backslash escaped for COPY).
    mutating func bytea(_ data: [UInt8]) {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
        for byte in data {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
    }

    /// A text field: backslash and control characters escaped; NUL, which `text` cannot hold,
    /// becomes U+FFFD.
    mutating func text(_ value: String) {
        for byte in value.utf8 { escaped(byte) }
    }

    /// A label set as a JSON object, names in the set's (sorted) order.
    mutating func json(_ labels: LabelSet) {
        var writer = JSONWriter(capacity: 64)
        writer.byte(UInt8(ascii: "{"))
        for (index, label) in labels.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            _ = writer.string(label.name)
            writer.byte(UInt8(ascii: ":"))
            _ = writer.string(label.value)
        }
        writer.byte(UInt8(ascii: "}"))
        for byte in writer.bytes { escaped(byte) }
    }

    @inline(__always)
    private mutating func escaped(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x00: bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
        default: bytes.append(byte)
        }
    }
}
