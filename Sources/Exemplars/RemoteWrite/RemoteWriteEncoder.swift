/// Encodes remote write 1.0 requests as a sender does: for tests, the benchmark client and
/// anything in Correlator that needs to produce a body. Not used on the receive path.
///
/// Writes each series' labels (in ``LabelSet`` order), samples, and exemplars (their own labels,
/// value and timestamp; an exemplar's ``Exemplar/series`` is not written, the enclosing series
/// is). Histograms are not written.
public enum RemoteWriteEncoder {
    /// The protobuf `WriteRequest` message.
    public static func encodeMessage(_ request: RemoteWriteRequest) -> [UInt8] {
        var writer = WireWriter()
        for series in request.timeseries {
            writer.message(1) { seriesWriter in
                for label in series.labels { seriesWriter.label(1, label) }
                for sample in series.samples {
                    seriesWriter.message(2) { sampleWriter in
                        sampleWriter.double(1, sample.value)
                        sampleWriter.int64(2, sample.timestamp)
                    }
                }
                for exemplar in series.exemplars {
                    seriesWriter.message(3) { exemplarWriter in
                        for label in exemplar.labels { exemplarWriter.label(1, label) }
                        exemplarWriter.double(2, exemplar.value)
                        exemplarWriter.int64(3, exemplar.timestamp)
                    }
                }
            }
        }
        return writer.bytes
    }

    /// The body to POST: the message compressed into one snappy block.
    public static func encodeBody(_ request: RemoteWriteRequest) -> [UInt8] {
        Snappy.compress(encodeMessage(request))
    }
}

/// The few protobuf writes the encoder needs. (ProtobufWire has only a reader so far; when it
/// gains a writer, use that instead.)
struct WireWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func key(_ number: Int, _ wireType: UInt64) {
        varint(UInt64(number) << 3 | wireType)
    }

    mutating func double(_ number: Int, _ value: Double) {
        key(number, 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int64(_ number: Int, _ value: Int64) {
        key(number, 0)
        varint(UInt64(bitPattern: value))
    }

    mutating func string(_ number: Int, _ value: String) {
        key(number, 2)
        varint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func label(_ number: Int, _ label: Label) {
        message(number) { labelWriter in
            labelWriter.string(1, label.name)
            labelWriter.string(2, label.value)
        }
    }

    mutating func message(_ number: Int, _ body: (inout WireWriter) -> Void) {
        var nested = WireWriter()
        body(&nested)
        key(number, 2)
        varint(UInt64(nested.bytes.count))
        bytes.append(contentsOf: nested.bytes)
    }
}
