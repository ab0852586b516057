/// Validation and resolution of what ``PprofMessageParser/parse(_:)`` collected.
extension PprofMessageParser {
    func resolve(_ bytes: UnsafeRawBufferPointer) throws(ProfileDecodingError) -> Profile {
        var strings = StringTable(bytes: bytes, starts: stringStarts, lengths: stringLengths)
        guard strings.count > 0, stringLengths[0] == 0 else {
            throw ProfileDecodingError(
                .invalidReference,
                strings.count == 0 ? "string table is empty (string_table[0] must be \"\")" : "string_table[0] is not \"\""
            )
        }

        // Sample types and the profile's scalars.
        var sampleTypes: [ProfileValueType] = []
        for (index, entry) in sampleTypeStrings.enumerated() {
            sampleTypes.append(
                ProfileValueType(
                    type: try strings.string(entry.type, "sample_type \(index) type", at: entry.offset),
                    unit: try strings.string(entry.unit, "sample_type \(index) unit", at: entry.offset)
                )
            )
        }
        var defaultIndex = sampleTypes.count - 1
        if let (index, offset) = defaultSampleType {
            let name = try strings.string(index, "default_sample_type", at: offset)
            if !name.isEmpty, let found = sampleTypes.firstIndex(where: { $0.type == name }) {
                defaultIndex = found
            }
        }
        var profile = Profile(sampleTypes: sampleTypes, defaultSampleTypeIndex: max(defaultIndex, 0))
        profile.timeNanos = timeNanos
        profile.durationNanos = durationNanos
        profile.period = period
        if let periodType {
            profile.periodType = ProfileValueType(
                type: try strings.string(periodType.type, "period_type type", at: periodType.offset),
                unit: try strings.string(periodType.unit, "period_type unit", at: periodType.offset)
            )
        }
        for (index, offset) in comments {
            profile.comments.append(try strings.string(index, "comment", at: offset))
        }
        if let (index, offset) = dropFrames {
            profile.dropFrames = try strings.string(index, "drop_frames", at: offset).nilIfEmpty
        }
        if let (index, offset) = keepFrames {
            profile.keepFrames = try strings.string(index, "keep_frames", at: offset).nilIfEmpty
        }

        // Mappings: only their files matter (the main binary, names of unsymbolized frames).
        let mappings = try DenseIDMap(ids: mappingIDs, element: "mapping", offsets: mappingOffsets)
        var mappingFileNames: [String] = []
        mappingFileNames.reserveCapacity(mappingIDs.count)
        for position in mappingIDs.indices {
            let offset = Int(mappingOffsets[position])
            mappingFileNames.append(try strings.string(mappingFiles[position], "mapping \(position) filename", at: offset))
            if position == 0 {
                profile.mainBinary = mappingFileNames[0].nilIfEmpty
                profile.buildID = try strings.string(mappingBuildIDs[0], "mapping 0 build_id", at: offset).nilIfEmpty
            }
        }

        // Functions, merged by name and file.
        let functionMap = try DenseIDMap(ids: functionIDs, element: "function", offsets: functionOffsets)
        var distinct: [ProfileFunction: Int32] = [:]
        distinct.reserveCapacity(functionIDs.count)
        var functionOfEntry = [Int32](repeating: 0, count: functionIDs.count)
        for position in functionIDs.indices {
            let offset = Int(functionOffsets[position])
            var function = ProfileFunction(
                name: try strings.string(functionNames[position], "function \(position) name", at: offset),
                filename: try strings.string(functionFiles[position], "function \(position) filename", at: offset)
            )
            if function.name.isEmpty { function.name = "<unknown>" }
            functionOfEntry[position] = Self.intern(function, into: &distinct, &profile.functions)
        }

        // Locations: one frame per line, innermost first; a location without lines is one frame
        // named after its binary, as pprof shows unsymbolized addresses.
        let locationMap = try DenseIDMap(ids: locationIDs, element: "location", offsets: locationOffsets)
        profile.locationFrames.reserveCapacity(lineFunctionIDs.count)
        profile.locationFrameStarts.reserveCapacity(locationIDs.count + 1)
        for position in locationIDs.indices {
            let offset = Int(locationOffsets[position])
            var binary = "<unknown>"
            let mappingID = locationMappingIDs[position]
            if mappingID != 0 {
                let mapping = mappings[mappingID]
                guard mapping >= 0 else {
                    throw ProfileDecodingError(
                        .invalidReference,
                        "location \(locationIDs[position]) references mapping \(mappingID) which does not exist",
                        at: offset
                    )
                }
                let file = mappingFileNames[Int(mapping)]
                if !file.isEmpty { binary = "[" + (file.split(separator: "/").last.map(String.init) ?? file) + "]" }
            }
            let lines = Int(locationLineStarts[position])..<Int(locationLineStarts[position + 1])
            var emitted = false
            for line in lines {
                let functionID = lineFunctionIDs[line]
                if functionID == 0 { continue }
                let entry = functionMap[functionID]
                guard entry >= 0 else {
                    throw ProfileDecodingError(
                        .invalidReference,
                        "location \(locationIDs[position]) references function \(functionID) which does not exist",
                        at: offset
                    )
                }
                profile.locationFrames.append(functionOfEntry[Int(entry)])
                emitted = true
            }
            if !emitted {
                let function = ProfileFunction(name: binary, filename: "")
                profile.locationFrames.append(Self.intern(function, into: &distinct, &profile.functions))
            }
            profile.locationFrameStarts.append(Int32(profile.locationFrames.count))
        }

        // Samples, read now that their references can be resolved as they are read.
        try readSamples(bytes, into: &profile, locations: locationMap, strings: &strings)
        return profile
    }

    static func intern(
        _ function: ProfileFunction,
        into distinct: inout [ProfileFunction: Int32],
        _ functions: inout [ProfileFunction]
    ) -> Int32 {
        if let index = distinct[function] { return index }
        let index = Int32(functions.count)
        distinct[function] = index
        functions.append(function)
        return index
    }
}

/// The string table as byte ranges of the message; strings are created only when referenced,
/// once each.
struct StringTable {
    let bytes: UnsafeRawBufferPointer
    let starts: [Int32]
    let lengths: [Int32]
    private var cache: [String?]

    init(bytes: UnsafeRawBufferPointer, starts: [Int32], lengths: [Int32]) {
        self.bytes = bytes
        self.starts = starts
        self.lengths = lengths
        self.cache = [String?](repeating: nil, count: starts.count)
    }

    var count: Int { starts.count }

    mutating func string(_ index: Int64, _ what: @autoclosure () -> String, at offset: Int?) throws(ProfileDecodingError) -> String {
        guard index >= 0, index < Int64(starts.count) else {
            throw ProfileDecodingError(
                .invalidReference,
                "\(what()) string index \(index) is out of range (table has \(starts.count) strings)",
                at: offset
            )
        }
        if let cached = cache[Int(index)] { return cached }
        let start = Int(starts[Int(index)])
        let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + Int(lengths[Int(index)]))])
        let string = String(decoding: slice, as: UTF8.self)
        cache[Int(index)] = string
        return string
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
