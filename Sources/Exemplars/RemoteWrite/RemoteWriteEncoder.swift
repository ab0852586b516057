import ProtobufWire

/// Encodes remote write 1.0 requests as a sender does: for tests, the benchmark client and
/// anything in Correlator that needs to produce a body. Not used on the receive path.
///
/// Writes each series' labels (in ``LabelSet`` order), samples, and exemplars (their own labels,
/// value and timestamp; an exemplar's ``Exemplar/series`` is not written, the enclosing series
/// is). Histograms are not written.
public enum RemoteWriteEncoder {
    /// The protobuf `WriteRequest` message.
    public static func encodeMessage(_ request: RemoteWriteRequest) -> [UInt8] {
        var writer = ProtobufWriter(capacity: 256 * request.timeseries.count)
        for series in request.timeseries {
            writer.writeMessageField(1) { seriesWriter in
                for label in series.labels { seriesWriter.writeLabel(1, label) }
                for sample in series.samples {
                    seriesWriter.writeMessageField(2) { sampleWriter in
                        sampleWriter.writeDoubleField(1, sample.value)
                        sampleWriter.writeInt64Field(2, sample.timestamp)
                    }
                }
                for exemplar in series.exemplars {
                    seriesWriter.writeMessageField(3) { exemplarWriter in
                        for label in exemplar.labels { exemplarWriter.writeLabel(1, label) }
                        exemplarWriter.writeDoubleField(2, exemplar.value)
                        exemplarWriter.writeInt64Field(3, exemplar.timestamp)
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

extension ProtobufWriter {
    /// Writes a `prometheus.Label` message field.
    fileprivate mutating func writeLabel(_ fieldNumber: Int, _ label: Label) {
        writeMessageField(fieldNumber) { labelWriter in
            labelWriter.writeStringField(1, label.name)
            labelWriter.writeStringField(2, label.value)
        }
    }
}
