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
        try decode(message: try decompress(body), defaultTimestamp: defaultTimestamp)
    }

    /// The snappy block decompressed, refused before allocating when it claims more than
    /// ``ExemplarLimits/maxDecompressedBytes``.
    private func decompress(_ body: UnsafeRawBufferPointer) throws(RemoteWriteError) -> [UInt8] {
        do {
            return try Snappy.decompress(body, maximumLength: limits.maxDecompressedBytes)
        } catch {
            throw RemoteWriteError(error)
        }
    }

    /// Decodes a body as received; see ``decode(body:defaultTimestamp:)-(UnsafeRawBufferPointer,_)``.
    public func decode(body: [UInt8], defaultTimestamp: Int64) throws(RemoteWriteError) -> RemoteWriteRequest {
        try withRawBytes(body) { (raw) throws(RemoteWriteError) in
            try decode(body: raw, defaultTimestamp: defaultTimestamp)
        }
    }

    /// Decodes an uncompressed `WriteRequest` message.
    public func decode(message: UnsafeRawBufferPointer, defaultTimestamp: Int64) throws(RemoteWriteError) -> RemoteWriteRequest {
        try mappingErrors { try decodeWriteRequest(message, defaultTimestamp: defaultTimestamp, exemplarsOnly: false) }
    }

    private func mappingErrors<T>(_ body: () throws -> T) throws(RemoteWriteError) -> T {
        do {
            return try body()
        } catch let error as RemoteWriteError {
            throw error
        } catch let error as ProtobufDecodingError {
            throw RemoteWriteError(error)
        } catch {
            throw RemoteWriteError(.malformedProtobuf, offset: nil, in: .message, "\(error)")
        }
    }

    /// The exemplars of a body as received, validating the whole request as ``decode(body:defaultTimestamp:)-(UnsafeRawBufferPointer,_)``
    /// does (the same errors for the same input) but building nothing for series without
    /// exemplars: a Prometheus remote-writing to Correlator sends every sample of every series,
    /// and only a few carry an exemplar.
    public func decodeExemplars(body: UnsafeRawBufferPointer, defaultTimestamp: Int64) throws(RemoteWriteError) -> [Exemplar] {
        try withRawBytes(try decompress(body)) { (raw) throws(RemoteWriteError) in
            try mappingErrors { try decodeWriteRequest(raw, defaultTimestamp: defaultTimestamp, exemplarsOnly: true).exemplars }
        }
    }

    /// Decodes an uncompressed `WriteRequest` message held in an array.
    public func decode(message: [UInt8], defaultTimestamp: Int64) throws(RemoteWriteError) -> RemoteWriteRequest {
        try withRawBytes(message) { (raw) throws(RemoteWriteError) in
            try decode(message: raw, defaultTimestamp: defaultTimestamp)
        }
    }

    // MARK: Messages

    /// `exemplarsOnly`: series without exemplars are validated (``validateSeriesWithoutExemplars(_:at:names:)``)
    /// and left out of the result.
    private func decodeWriteRequest(_ bytes: UnsafeRawBufferPointer, defaultTimestamp: Int64, exemplarsOnly: Bool) throws -> RemoteWriteRequest {
        var reader = ProtobufReader(bytes)
        var request = RemoteWriteRequest()
        var cache = LabelStringCache()
        var names: [UnsafeRawBufferPointer] = []
        var seriesCount = 0
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .lengthDelimited)
                guard seriesCount < limits.maxSeriesPerRequest else {
                    throw RemoteWriteError(
                        .tooManySeries, offset: key.offset, in: .message,
                        "more than \(limits.maxSeriesPerRequest) series in one request"
                    )
                }
                seriesCount += 1
                var series = try reader.readMessage()
                // A series the key scan cannot read goes the full way, which reports its first
                // problem in wire order.
                if exemplarsOnly, (try? Self.hasExemplars(series)) == false {
                    try validateSeriesWithoutExemplars(&series, at: key.offset, names: &names)
                    continue
                }
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
                samples.append(try decodeSample(&message))
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

    private func decodeSample(_ message: inout ProtobufReader) throws -> RemoteWriteRequest.Sample {
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
        return sample
    }

    /// Whether a `TimeSeries` message has an exemplar (field 3); reads field keys only.
    private static func hasExemplars(_ series: ProtobufReader) throws -> Bool {
        var scan = series
        while let key = try scan.nextField() {
            if key.number == 3 { return true }
            try scan.skip(key)
        }
        return false
    }

    /// Checks a series that has no exemplars as ``decodeTimeSeries(_:at:defaultTimestamp:cache:)``
    /// would, with the same errors, on its bytes: no Strings, no sorting, no fingerprint.
    /// `names` is scratch space for the label names, kept between series.
    private func validateSeriesWithoutExemplars(
        _ reader: inout ProtobufReader,
        at seriesOffset: Int,
        names: inout [UnsafeRawBufferPointer]
    ) throws {
        names.removeAll(keepingCapacity: true)
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .lengthDelimited)
                var message = try reader.readMessage()
                var name = UnsafeRawBufferPointer(start: nil, count: 0)
                var value = name
                while let field = try message.nextField() {
                    switch field.number {
                    case 1, 2:
                        try message.expect(field, .lengthDelimited)
                        let start = message.offset
                        let bytes = try message.readBytes()
                        guard isValidUTF8(bytes) else {
                            throw ProtobufDecodingError.invalid("string is not valid UTF-8", at: start)
                        }
                        if field.number == 1 { name = bytes } else { value = bytes }
                    default:
                        try message.skip(field)
                    }
                }
                try checkSeriesLabel(
                    name: String(decoding: name, as: UTF8.self), nameLength: name.count, valueLength: value.count,
                    at: key.offset, count: names.count + 1
                )
                names.append(name)
            case 2:
                try reader.expect(key, .lengthDelimited)
                var message = try reader.readMessage()
                _ = try decodeSample(&message)
            default:
                try reader.skip(key)
            }
        }
        guard !names.isEmpty else {
            throw RemoteWriteError(.invalidLabels, offset: seriesOffset, in: .message, "series has no labels")
        }
        for later in names.indices.dropFirst() {
            for earlier in 0..<later where names[earlier].count == names[later].count && memoryEqual(names[earlier], names[later]) {
                throw RemoteWriteError(
                    .invalidLabels, offset: seriesOffset, in: .message,
                    "label '\(String(decoding: names[later], as: UTF8.self))' appears twice in the series"
                )
            }
        }
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
        try checkSeriesLabel(name: label.name, nameLength: label.name.utf8.count, valueLength: label.value.utf8.count, at: offset, count: count)
    }

    /// `name` is only read for an error message.
    private func checkSeriesLabel(
        name: @autoclosure () -> String, nameLength: Int, valueLength: Int, at offset: Int, count: Int
    ) throws(RemoteWriteError) {
        if nameLength == 0 {
            throw RemoteWriteError(.invalidLabels, offset: offset, in: .message, "label name is empty")
        }
        if count > limits.maxLabelsPerSeries {
            throw RemoteWriteError(
                .tooManyLabels, offset: offset, in: .message,
                "series has more than \(limits.maxLabelsPerSeries) labels"
            )
        }
        if nameLength > limits.maxLabelNameLength {
            throw RemoteWriteError(
                .labelNameTooLong, offset: offset, in: .message,
                "label name longer than \(limits.maxLabelNameLength) bytes"
            )
        }
        if valueLength > limits.maxLabelValueLength {
            throw RemoteWriteError(
                .labelValueTooLong, offset: offset, in: .message,
                "value of label '\(name())' longer than \(limits.maxLabelValueLength) bytes"
            )
        }
    }
}
