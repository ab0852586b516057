import ProtobufWire

/// The second pass: each sample's message, read straight into the profile's columns with its
/// location ids already dense indices and its labels already interned.
extension PprofMessageParser {
    /// Profiles with at least this many samples are added up on a second thread while this one
    /// reads the next samples (``AggregationPipeline``); smaller ones inline, as they are read.
    static let pipelinedAggregationMinimumSamples = 16_384

    func readSamples(
        _ bytes: UnsafeRawBufferPointer,
        into profile: inout Profile,
        locations: DenseIDMap,
        strings: inout StringTable
    ) throws(ProfileDecodingError) {
        let sampleCount = sampleOffsets.count
        let typeCount = profile.sampleTypes.count
        // Where each sample's locations start in `sampleLocations` (the aggregation thread reads
        // them while this one writes the next: a fixed buffer, not a growing array).
        let starts = UnsafeMutableBufferPointer<Int32>.allocate(capacity: sampleCount + 1)
        defer { starts.deallocate() }
        starts[0] = 0
        var sampleValues = [Int64](repeating: 0, count: sampleCount * typeCount)
        var columns = SampleLabelColumns(stringCount: strings.count, sampleCount: sampleCount)
        var aggregator = FunctionAggregator(profile: profile)
        var failure: (any Error)?

        // Every location id takes at least a byte of some sample's message.
        let sampleLocations = [Int32](unsafeUninitializedCapacity: sampleBodyBytes) { output, written in
            written = 0
            locations.table.withUnsafeBufferPointer { table in
                sampleValues.withUnsafeMutableBufferPointer { values in
                    let target = SampleTarget(locations: locations, table: table, output: output, starts: starts, values: values, typeCount: typeCount)
                    if sampleCount >= Self.pipelinedAggregationMinimumSamples {
                        let pipeline = AggregationPipeline(
                            aggregator: aggregator, samples: sampleCount, starts: UnsafeBufferPointer(starts),
                            locations: UnsafeBufferPointer(output), values: values.baseAddress.map { UnsafePointer($0) }, typeCount: typeCount
                        )
                        pipeline.start()
                        do {
                            try readAll(bytes, target, written: &written, columns: &columns, profile: &profile, strings: &strings) { sample in
                                if (sample + 1) % AggregationPipeline.chunk == 0 { pipeline.publish(sample + 1) }
                            }
                        } catch {
                            failure = error
                        }
                        aggregator = pipeline.finish(published: failure == nil ? sampleCount : nil)
                    } else {
                        // Added up as they are read, while each sample's locations are still in cache.
                        aggregator.accumulate { accumulator in
                            do {
                                try readAll(bytes, target, written: &written, columns: &columns, profile: &profile, strings: &strings) { sample in
                                    accumulator.add(
                                        stamp: sample,
                                        locations: UnsafeBufferPointer(rebasing: output[Int(starts[sample])..<Int(starts[sample + 1])]),
                                        values: values.baseAddress.map { UnsafePointer($0 + sample * typeCount) }
                                    )
                                }
                            } catch {
                                failure = error
                            }
                        }
                    }
                }
            }
        }
        switch failure {
        case nil: break
        case let error as ProfileDecodingError: throw error
        case let error as ProtobufDecodingError: throw ProfileDecodingError(error)
        case let error?: throw ProfileDecodingError(.malformedMessage, "\(error)")
        }
        profile.sampleLocationStarts = Array(starts)
        profile.sampleLocations = sampleLocations
        profile.sampleValues = sampleValues
        profile.sampleLabelStarts = columns.sampleLabelStarts
        profile.sampleLabels = columns.sampleLabels
        columns.labelTotals.append(contentsOf: repeatElement(0, count: profile.labels.count * typeCount - columns.labelTotals.count))
        profile.sampleAggregate = SampleAggregate(functions: aggregator, labelTotals: columns.labelTotals)
    }

    /// Reads every sample into the columns; `added(sample)` runs once its locations and values
    /// are written.
    ///
    /// A method taking its state `inout`, not a local function capturing it: variables a local
    /// function captures get dynamic exclusivity checks, eight per sample here, which cost 1.5 ms
    /// of the 8.4 MB profile's 34 ms (swift_beginAccess under perf).
    private func readAll(
        _ bytes: UnsafeRawBufferPointer,
        _ target: SampleTarget,
        written: inout Int,
        columns: inout SampleLabelColumns,
        profile: inout Profile,
        strings: inout StringTable,
        added: (Int) -> Void
    ) throws {
        let typeCount = target.typeCount
        for sample in 0..<sampleOffsets.count {
            let labelStart = columns.sampleLabels.count
            try readSample(
                sample,
                bytes,
                locations: target.locations,
                table: target.table,
                output: target.output,
                written: &written,
                values: target.values,
                typeCount: typeCount,
                labels: &columns.labels,
                sampleLabels: &columns.sampleLabels,
                profile: &profile,
                strings: &strings
            )
            target.starts[sample + 1] = Int32(written)
            added(sample)
            if columns.sampleLabels.count > labelStart, let base = target.values.baseAddress {
                columns.addLabelTotals(from: labelStart, values: base + sample * typeCount, labelCount: profile.labels.count, typeCount: typeCount)
            }
            columns.sampleLabelStarts.append(Int32(columns.sampleLabels.count))
        }
    }

    private func readSample(
        _ sample: Int,
        _ bytes: UnsafeRawBufferPointer,
        locations: DenseIDMap,
        table: UnsafeBufferPointer<Int32>,
        output: UnsafeMutableBufferPointer<Int32>,
        written: inout Int,
        values: UnsafeMutableBufferPointer<Int64>,
        typeCount: Int,
        labels: inout LabelInterner,
        sampleLabels: inout [Int32],
        profile: inout Profile,
        strings: inout StringTable
    ) throws {
        var reader = ProtobufReader(bytes, range: Int(sampleBodyStarts[sample])..<Int(sampleBodyEnds[sample]))
        var valueCount = 0
        var labelIndex = 0
        let valueBase = sample * typeCount
        while let key = try reader.nextField() {
            switch key.number {
            case 1 where key.wireType == .lengthDelimited:
                let packed = try reader.readMessage()
                written = try readLocationIDs(
                    sample,
                    bytes,
                    packed.offset..<packed.end,
                    locations: locations,
                    table: table,
                    output: output,
                    written: written
                )
            case 1:
                try reader.expect(key, .varint)
                let id = try reader.readVarint()
                output[written] = try location(id, of: sample, locations)
                written += 1
            case 2:
                try reader.readRepeatedVarint(key) { value in
                    if valueCount < typeCount { values[valueBase + valueCount] = Int64(bitPattern: value) }
                    valueCount += 1
                }
            case 3:
                try reader.expect(key, .lengthDelimited)
                var label = try reader.readMessage()
                var keyIndex: Int64 = 0
                var string: Int64 = 0
                var number: Int64 = 0
                var unit: Int64 = 0
                while let field = try label.nextField() {
                    switch field.number {
                    case 1:
                        try label.expect(field, .varint)
                        keyIndex = try label.readInt64()
                    case 2:
                        try label.expect(field, .varint)
                        string = try label.readInt64()
                    case 3:
                        try label.expect(field, .varint)
                        number = try label.readInt64()
                    case 4:
                        try label.expect(field, .varint)
                        unit = try label.readInt64()
                    default: try label.skip(field)
                    }
                }
                let stringCount = Int64(strings.count)
                guard keyIndex >= 0, keyIndex < stringCount, string >= 0, string < stringCount, unit >= 0, unit < stringCount else {
                    throw ProfileDecodingError(
                        .invalidReference,
                        "sample \(sample) label \(labelIndex) has a string index out of range (table has \(stringCount) strings)",
                        at: Int(sampleOffsets[sample])
                    )
                }
                labelIndex += 1
                if let index = try labels.intern(key: keyIndex, string: string, number: number, unit: unit, into: &profile, strings: &strings) {
                    sampleLabels.append(index)
                }
            default:
                try reader.skip(key)
            }
        }
        if valueCount != typeCount {
            throw ProfileDecodingError(
                .invalidValue,
                "sample \(sample) has \(valueCount) values but the profile has \(typeCount) sample types",
                at: Int(sampleOffsets[sample])
            )
        }
    }

    /// Reads the packed location ids in `range` into `output` from `written` on, as dense location
    /// indices; returns the new count.
    ///
    /// The hot loop of the decoder (one iteration per frame reference, millions in a large
    /// profile): a one- or two-byte id whose location is in the dense table is decoded without
    /// branching on its length; anything else (longer ids, sparse ids, errors) takes the reader.
    @inline(__always)
    private func readLocationIDs(
        _ sample: Int,
        _ bytes: UnsafeRawBufferPointer,
        _ range: Range<Int>,
        locations: DenseIDMap,
        table: UnsafeBufferPointer<Int32>,
        output: UnsafeMutableBufferPointer<Int32>,
        written: Int
    ) throws -> Int {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return written }
        var position = range.lowerBound
        let end = range.upperBound
        var count = written
        while position < end {
            if end - position >= 2 {
                let word = UInt32(base[position]) | UInt32(base[position &+ 1]) << 8
                let more = (word >> 7) & 1
                if more & (word >> 15) == 0 {
                    // One byte, or two when the first has its continuation bit.
                    let id = Int((word & 0x7F) | ((word >> 1) & 0x3F80) & (0 &- more))
                    if id < table.count {
                        let location = table[id]
                        if location >= 0 {
                            output[count] = location
                            count &+= 1
                            position &+= 1 &+ Int(more)
                            continue
                        }
                    }
                }
            }
            var reader = ProtobufReader(bytes, range: position..<end)
            let id = try reader.readVarint()
            output[count] = try location(id, of: sample, locations)
            count += 1
            position = reader.offset
        }
        return count
    }

    private func location(_ id: UInt64, of sample: Int, _ locations: DenseIDMap) throws(ProfileDecodingError) -> Int32 {
        let location = locations[id]
        guard location >= 0 else {
            throw ProfileDecodingError(
                .invalidReference,
                id == 0
                    ? "sample \(sample) references location id 0"
                    : "sample \(sample) references location \(id) which does not exist",
                at: Int(sampleOffsets[sample])
            )
        }
        return location
    }
}

/// Where the second pass writes each sample's locations and values.
struct SampleTarget {
    let locations: DenseIDMap
    let table: UnsafeBufferPointer<Int32>
    let output: UnsafeMutableBufferPointer<Int32>
    let starts: UnsafeMutableBufferPointer<Int32>
    let values: UnsafeMutableBufferPointer<Int64>
    let typeCount: Int
}

/// The second pass's label columns: each sample's interned labels, and per label the sum of the
/// values of the samples that carry it.
struct SampleLabelColumns {
    var labels: LabelInterner
    var sampleLabelStarts: [Int32] = [0]
    var sampleLabels: [Int32] = []
    var labelTotals: [Int64] = []

    init(stringCount: Int, sampleCount: Int) {
        labels = LabelInterner(stringCount: stringCount)
        sampleLabelStarts.reserveCapacity(sampleCount + 1)
    }

    /// Adds `values` to the totals of the sample's labels from `sampleLabels[labelStart...]`.
    mutating func addLabelTotals(from labelStart: Int, values: UnsafePointer<Int64>, labelCount: Int, typeCount: Int) {
        let needed = labelCount * typeCount
        if labelTotals.count < needed {
            labelTotals.append(contentsOf: repeatElement(0, count: needed - labelTotals.count))
        }
        for position in labelStart..<sampleLabels.count {
            let row = Int(sampleLabels[position]) * typeCount
            for type in 0..<typeCount { labelTotals[row + type] &+= values[type] }
        }
    }
}

/// Gives each distinct label (key and value) a dense index, without a dictionary lookup per
/// sample for string labels: per key, an array indexed by the value's string index.
struct LabelInterner {
    private let stringCount: Int
    private var keySlots: [(key: Int64, slots: [Int32])] = []
    private var numeric: [NumericLabelKey: Int32] = [:]

    init(stringCount: Int) {
        self.stringCount = stringCount
    }

    /// The label's index in `profile.labels`, adding it when new; nil for a label with neither a
    /// string nor a number (pprof ignores those). String indexes must be in range.
    mutating func intern(
        key: Int64,
        string: Int64,
        number: Int64,
        unit: Int64,
        into profile: inout Profile,
        strings: inout StringTable
    ) throws(ProfileDecodingError) -> Int32? {
        if string != 0 {
            var slot = keySlots.firstIndex { $0.key == key } ?? -1
            if slot < 0 {
                keySlots.append((key, [Int32](repeating: -1, count: stringCount)))
                slot = keySlots.count - 1
            }
            var label = keySlots[slot].slots[Int(string)]
            if label < 0 {
                label = Int32(profile.labels.count)
                keySlots[slot].slots[Int(string)] = label
                profile.labels.append(
                    ProfileLabel(
                        key: try strings.string(key, "label key", at: nil),
                        stringValue: try strings.string(string, "label value", at: nil)
                    )
                )
            }
            return label
        }
        guard number != 0 || unit != 0 else { return nil }
        let numericKey = NumericLabelKey(key: key, number: number, unit: unit)
        if let label = numeric[numericKey] { return label }
        let label = Int32(profile.labels.count)
        numeric[numericKey] = label
        profile.labels.append(
            ProfileLabel(
                key: try strings.string(key, "label key", at: nil),
                stringValue: nil,
                numericValue: number,
                numericUnit: try strings.string(unit, "label unit", at: nil).nilIfEmpty
            )
        )
        return label
    }
}

private struct NumericLabelKey: Hashable {
    var key: Int64
    var number: Int64
    var unit: Int64
}
