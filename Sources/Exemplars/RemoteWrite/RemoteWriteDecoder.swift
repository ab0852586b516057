import ProtobufWire

/// Decodes Prometheus remote write 1.0 bodies (snappy block + protobuf `WriteRequest`) into
/// series, samples and exemplars with their trace, span and profile ids.
///
/// Schema (prompb): WriteRequest: 1 timeseries, 3 metadata. TimeSeries: 1 labels, 2 samples,
/// 3 exemplars, 4 histograms (skipped). Label: 1 name, 2 value. Sample: 1 value (double),
/// 2 timestamp (int64 ms). Exemplar: 1 labels, 2 value, 3 timestamp. Unknown fields are skipped
/// by wire type. An exemplar timestamp of 0 (absent in proto3) is replaced by the caller's
/// `defaultTimestamp` and marked as not explicit.
public struct RemoteWriteDecoder: Sendable {
    public var limits: ExemplarLimits
    public var idKeys: ExemplarIDKeys

    public init(limits: ExemplarLimits = .default, idKeys: ExemplarIDKeys = .default) {
        self.limits = limits
        self.idKeys = idKeys
    }

    /// Decodes a body as received: decompresses the snappy block (refusing, before allocating,
    /// one that claims more than ``ExemplarLimits/maxDecompressedBytes``), then decodes the message.
    public func decode(body: UnsafeRawBufferPointer, defaultTimestamp: Int64) throws(RemoteWriteError) -> RemoteWriteRequest {
        let message: [UInt8]
        do {
            message = try Snappy.decompress(body, maximumLength: limits.maxDecompressedBytes)
        } catch {
            throw RemoteWriteError(error)
        }
        return try decode(message: message, defaultTimestamp: defaultTimestamp)
    }

    /// Decodes a body as received; see ``decode(body:defaultTimestamp:)-(UnsafeRawBufferPointer,_)``.
    public func decode(body: [UInt8], defaultTimestamp: Int64) throws(RemoteWriteError) -> RemoteWriteRequest {
        try withRawBytes(body) { (raw) throws(RemoteWriteError) in
            try decode(body: raw, defaultTimestamp: defaultTimestamp)
        }
    }

    /// Decodes an uncompressed `WriteRequest` message.
    public func decode(message: UnsafeRawBufferPointer, defaultTimestamp: Int64) throws(RemoteWriteError) -> RemoteWriteRequest {
        do {
            return try decodeWriteRequest(message, defaultTimestamp: defaultTimestamp)
        } catch let error as RemoteWriteError {
            throw error
        } catch let error as ProtobufDecodingError {
            throw RemoteWriteError(error)
        } catch {
            throw RemoteWriteError(.malformedProtobuf, offset: nil, in: .message, "\(error)")
        }
    }

    /// Decodes an uncompressed `WriteRequest` message held in an array.
    public func decode(message: [UInt8], defaultTimestamp: Int64) throws(RemoteWriteError) -> RemoteWriteRequest {
        try withRawBytes(message) { (raw) throws(RemoteWriteError) in
            try decode(message: raw, defaultTimestamp: defaultTimestamp)
        }
    }

    // MARK: Messages

    private func decodeWriteRequest(_ bytes: UnsafeRawBufferPointer, defaultTimestamp: Int64) throws -> RemoteWriteRequest {
        var reader = ProtobufReader(bytes)
        var request = RemoteWriteRequest()
        var cache = LabelStringCache()
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .lengthDelimited)
                guard request.timeseries.count < limits.maxSeriesPerRequest else {
                    throw RemoteWriteError(
                        .tooManySeries, offset: key.offset, in: .message,
                        "more than \(limits.maxSeriesPerRequest) series in one request"
                    )
                }
                var series = try reader.readMessage()
                request.timeseries.append(
                    try decodeTimeSeries(&series, at: key.offset, defaultTimestamp: defaultTimestamp, cache: &cache)
                )
            case 3:
                try reader.expect(key, .lengthDelimited)
                _ = try reader.readBytes()
                request.metadataCount += 1
            default:
                try reader.skip(key)
            }
        }
        return request
    }

    private func decodeTimeSeries(
        _ reader: inout ProtobufReader,
        at seriesOffset: Int,
        defaultTimestamp: Int64,
        cache: inout LabelStringCache
    ) throws -> RemoteWriteRequest.TimeSeries {
        var labels: [Label] = []
        var samples: [RemoteWriteRequest.Sample] = []
        var rawExemplars: [(labels: [Label], value: Double, timestamp: Int64)] = []
        var histogramCount = 0
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .lengthDelimited)
                var message = try reader.readMessage()
                let label = try decodeLabel(&message, position: labels.count, cache: &cache)
                try checkSeriesLabel(label, at: key.offset, count: labels.count + 1)
                labels.append(label)
            case 2:
                try reader.expect(key, .lengthDelimited)
                var message = try reader.readMessage()
                var sample = RemoteWriteRequest.Sample(value: 0, timestamp: 0)
                while let field = try message.nextField() {
                    switch field.number {
                    case 1:
                        try message.expect(field, .fixed64)
                        sample.value = try message.readDouble()
                    case 2:
                        try message.expect(field, .varint)
                        sample.timestamp = try message.readInt64()
                    default:
                        try message.skip(field)
                    }
                }
                samples.append(sample)
            case 3:
                try reader.expect(key, .lengthDelimited)
                var message = try reader.readMessage()
                var exemplar: (labels: [Label], value: Double, timestamp: Int64) = ([], 0, 0)
                while let field = try message.nextField() {
                    switch field.number {
                    case 1:
                        try message.expect(field, .lengthDelimited)
                        var labelMessage = try message.readMessage()
                        exemplar.labels.append(try decodeLabel(&labelMessage))
                    case 2:
                        try message.expect(field, .fixed64)
                        exemplar.value = try message.readDouble()
                    case 3:
                        try message.expect(field, .varint)
                        exemplar.timestamp = try message.readInt64()
                    default:
                        try message.skip(field)
                    }
                }
                rawExemplars.append(exemplar)
            case 4:
                try reader.skip(key)
                histogramCount += 1
            default:
                try reader.skip(key)
            }
        }
        guard !labels.isEmpty else {
            throw RemoteWriteError(.invalidLabels, offset: seriesOffset, in: .message, "series has no labels")
        }
        LabelSet.sortByName(&labels)
        if let duplicate = LabelSet.firstDuplicateName(in: labels) {
            throw RemoteWriteError(
                .invalidLabels, offset: seriesOffset, in: .message,
                "label '\(labels[duplicate].name)' appears twice in the series"
            )
        }
        let series = LabelSet(sortedUnique: labels)
        let exemplars = rawExemplars.map { raw in
            Exemplar(
                series: series,
                labels: LabelSet(raw.labels),
                value: raw.value,
                timestamp: raw.timestamp == 0 ? defaultTimestamp : raw.timestamp,
                hasExplicitTimestamp: raw.timestamp != 0,
                idKeys: idKeys
            )
        }
        return RemoteWriteRequest.TimeSeries(
            labels: series, samples: samples, exemplars: exemplars, histogramCount: histogramCount
        )
    }

    /// A series label, reusing the Strings of the previous series' label at the same position
    /// when the bytes are the same: Prometheus sends one series per `TimeSeries`, and
    /// neighbours share most of their labels (`__name__`, `job`, `instance`).
    private func decodeLabel(
        _ reader: inout ProtobufReader,
        position: Int,
        cache: inout LabelStringCache
    ) throws -> Label {
        var name = ""
        var value = ""
        while let key = try reader.nextField() {
            switch key.number {
            case 1, 2:
                try reader.expect(key, .lengthDelimited)
                let start = reader.offset
                let bytes = try reader.readBytes()
                let text = try cache.string(bytes, slot: position * 2 + key.number - 1, at: start)
                if key.number == 1 { name = text } else { value = text }
            default:
                try reader.skip(key)
            }
        }
        return Label(name: name, value: value)
    }

    private func decodeLabel(_ reader: inout ProtobufReader) throws -> Label {
        var name = ""
        var value = ""
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .lengthDelimited)
                name = try reader.readString()
            case 2:
                try reader.expect(key, .lengthDelimited)
                value = try reader.readString()
            default:
                try reader.skip(key)
            }
        }
        return Label(name: name, value: value)
    }

    private func checkSeriesLabel(_ label: Label, at offset: Int, count: Int) throws(RemoteWriteError) {
        if label.name.isEmpty {
            throw RemoteWriteError(.invalidLabels, offset: offset, in: .message, "label name is empty")
        }
        if count > limits.maxLabelsPerSeries {
            throw RemoteWriteError(
                .tooManyLabels, offset: offset, in: .message,
                "series has more than \(limits.maxLabelsPerSeries) labels"
            )
        }
        if label.name.utf8.count > limits.maxLabelNameLength {
            throw RemoteWriteError(
                .labelNameTooLong, offset: offset, in: .message,
                "label name longer than \(limits.maxLabelNameLength) bytes"
            )
        }
        if label.value.utf8.count > limits.maxLabelValueLength {
            throw RemoteWriteError(
                .labelValueTooLong, offset: offset, in: .message,
                "value of label '\(label.name)' longer than \(limits.maxLabelValueLength) bytes"
            )
        }
    }
}
