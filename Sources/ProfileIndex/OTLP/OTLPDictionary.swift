import ProtobufWire

/// The `ProfilesDictionary` of a request: read raw, then resolved into the dense tables a
/// ``Profile`` uses (functions merged by name and file, locations expanded into frames, stacks
/// as location indices, links as hex ids, attributes as labels). Index 0 of every table is the
/// zero value.
struct OTLPDictionary {
    let bytes: UnsafeRawBufferPointer

    // Raw tables.
    private var mappingFiles: [Int64] = []
    private var locationMappings: [Int64] = []
    private var locationOffsets: [Int] = []
    private var locationLineStarts: [Int32] = [0]
    private var lineFunctions: [Int64] = []
    private var functionNames: [Int64] = []
    private var functionFiles: [Int64] = []
    private var functionOffsets: [Int] = []
    private var attributeKeys: [Int64] = []
    private var attributeValues: [OTLPAnyValue] = []
    private var attributeUnits: [Int64] = []
    private var attributeOffsets: [Int] = []
    private var stackOffsets: [Int] = []
    private var stringStarts: [Int32] = []
    private var stringLengths: [Int32] = []
    private var strings: StringTable?

    // Resolved tables.
    private(set) var functions: [ProfileFunction] = []
    private(set) var locationFrameStarts: [Int32] = [0]
    private(set) var locationFrames: [Int32] = []
    private(set) var stackStarts: [Int32] = [0]
    private(set) var stackLocations: [Int32] = []
    private(set) var links: [(traceID: String, spanID: String)?] = []
    private(set) var attributeLabels: [ProfileLabel] = []

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    mutating func parse(_ reader: inout ProtobufReader) throws {
        while let key = try reader.nextField() {
            guard key.wireType == .lengthDelimited else {
                try reader.skip(key)
                continue
            }
            switch key.number {
            case 1:
                var message = try reader.readMessage()
                var file: Int64 = 0
                while let field = try message.nextField() {
                    if field.number == 4, field.wireType == .varint { file = try message.readInt64() } else { try message.skip(field) }
                }
                mappingFiles.append(file)
            case 2:
                var message = try reader.readMessage()
                var mapping: Int64 = 0
                while let field = try message.nextField() {
                    switch field.number {
                    case 1:
                        try message.expect(field, .varint)
                        mapping = try message.readInt64()
                    case 3:
                        try message.expect(field, .lengthDelimited)
                        var line = try message.readMessage()
                        var function: Int64 = 0
                        while let lineField = try line.nextField() {
                            if lineField.number == 1, lineField.wireType == .varint {
                                function = try line.readInt64()
                            } else {
                                try line.skip(lineField)
                            }
                        }
                        lineFunctions.append(function)
                    default:
                        try message.skip(field)
                    }
                }
                locationMappings.append(mapping)
                locationOffsets.append(key.offset)
                locationLineStarts.append(Int32(lineFunctions.count))
            case 3:
                var message = try reader.readMessage()
                var name: Int64 = 0
                var file: Int64 = 0
                while let field = try message.nextField() {
                    switch (field.number, field.wireType) {
                    case (1, .varint): name = try message.readInt64()
                    case (3, .varint): file = try message.readInt64()
                    default: try message.skip(field)
                    }
                }
                functionNames.append(name)
                functionFiles.append(file)
                functionOffsets.append(key.offset)
            case 4:
                var message = try reader.readMessage()
                var traceID: ProtobufReader.Bytes?
                var spanID: ProtobufReader.Bytes?
                while let field = try message.nextField() {
                    switch (field.number, field.wireType) {
                    case (1, .lengthDelimited): traceID = try message.readBytes()
                    case (2, .lengthDelimited): spanID = try message.readBytes()
                    default: try message.skip(field)
                    }
                }
                if let traceID, let spanID, traceID.count == 16, spanID.count == 8,
                    traceID.contains(where: { $0 != 0 }), spanID.contains(where: { $0 != 0 })
                {
                    links.append((Self.hex(traceID), Self.hex(spanID)))
                } else if links.isEmpty || (traceID?.isEmpty ?? true) && (spanID?.isEmpty ?? true) {
                    links.append(nil)  // the zero value
                } else {
                    throw ProfileDecodingError(
                        .invalidValue,
                        "link \(links.count) needs a 16-byte trace id and an 8-byte span id, not all zero",
                        at: key.offset
                    )
                }
            case 5:
                let string = try reader.readBytes()
                stringStarts.append(Int32(string.baseAddress.map { $0 - bytes.baseAddress! } ?? 0))
                stringLengths.append(Int32(string.count))
            case 6:
                var message = try reader.readMessage()
                var keyIndex: Int64 = 0
                var value: OTLPAnyValue = .none
                var unit: Int64 = 0
                while let field = try message.nextField() {
                    switch (field.number, field.wireType) {
                    case (1, .varint): keyIndex = try message.readInt64()
                    case (2, .lengthDelimited):
                        var any = try message.readMessage()
                        value = try OTLPAnyValue(&any)
                    case (3, .varint): unit = try message.readInt64()
                    default: try message.skip(field)
                    }
                }
                attributeKeys.append(keyIndex)
                attributeValues.append(value)
                attributeUnits.append(unit)
                attributeOffsets.append(key.offset)
            case 7:
                var message = try reader.readMessage()
                stackOffsets.append(key.offset)
                while let field = try message.nextField() {
                    if field.number == 1 {
                        var indices: [Int32] = []
                        try message.readRepeatedVarint(field) { indices.append(Int32(truncatingIfNeeded: $0)) }
                        stackLocations.append(contentsOf: indices)
                    } else {
                        try message.skip(field)
                    }
                }
                stackStarts.append(Int32(stackLocations.count))
            default:
                try reader.skip(key)
            }
        }
    }

    /// Validates every index and builds the resolved tables.
    mutating func resolve() throws(ProfileDecodingError) {
        var strings = StringTable(bytes: bytes, starts: stringStarts, lengths: stringLengths)
        if strings.count == 0 {
            // A request without strings can still carry samples of unnamed frames.
            stringStarts = [0]
            stringLengths = [0]
            strings = StringTable(bytes: bytes, starts: [0], lengths: [0])
        }
        var distinct: [ProfileFunction: Int32] = [:]
        var functionOfEntry: [Int32] = []
        func intern(_ function: ProfileFunction) -> Int32 {
            if let index = distinct[function] { return index }
            let index = Int32(functions.count)
            distinct[function] = index
            functions.append(function)
            return index
        }
        for entry in functionNames.indices {
            var function = ProfileFunction(
                name: try strings.string(functionNames[entry], "function \(entry) name", at: functionOffsets[entry]),
                filename: try strings.string(functionFiles[entry], "function \(entry) filename", at: functionOffsets[entry])
            )
            if function.name.isEmpty { function.name = "<unknown>" }
            functionOfEntry.append(intern(function))
        }
        for location in locationMappings.indices {
            let offset = locationOffsets[location]
            var binary = "<unknown>"
            let mapping = locationMappings[location]
            guard mapping >= 0, mapping == 0 || mapping < Int64(mappingFiles.count) else {
                throw ProfileDecodingError(
                    .invalidReference,
                    "location \(location) references mapping \(mapping) which does not exist",
                    at: offset
                )
            }
            if mapping != 0 {
                let file = try strings.string(mappingFiles[Int(mapping)], "mapping \(mapping) filename", at: offset)
                if !file.isEmpty { binary = "[" + (file.split(separator: "/").last.map(String.init) ?? file) + "]" }
            }
            var emitted = false
            for line in Int(locationLineStarts[location])..<Int(locationLineStarts[location + 1]) {
                let function = lineFunctions[line]
                if function == 0 { continue }
                guard function > 0, function < Int64(functionOfEntry.count) else {
                    throw ProfileDecodingError(
                        .invalidReference,
                        "location \(location) references function \(function) which does not exist",
                        at: offset
                    )
                }
                locationFrames.append(functionOfEntry[Int(function)])
                emitted = true
            }
            if !emitted { locationFrames.append(intern(ProfileFunction(name: binary, filename: ""))) }
            locationFrameStarts.append(Int32(locationFrames.count))
        }
        for stack in stackOffsets.indices {
            for position in Int(stackStarts[stack])..<Int(stackStarts[stack + 1]) {
                let location = stackLocations[position]
                guard location > 0, Int(location) < locationMappings.count else {
                    throw ProfileDecodingError(
                        .invalidReference,
                        location == 0
                            ? "stack \(stack) references location 0 (the zero value)"
                            : "stack \(stack) references location \(location) which does not exist",
                        at: stackOffsets[stack]
                    )
                }
            }
        }
        if stackOffsets.isEmpty { stackStarts = [0, 0] }  // only the zero stack
        if links.isEmpty { links = [nil] }
        for attribute in attributeKeys.indices {
            let offset = attributeOffsets[attribute]
            let key = try strings.string(attributeKeys[attribute], "attribute \(attribute) key", at: offset)
            let unit = try strings.string(attributeUnits[attribute], "attribute \(attribute) unit", at: offset)
            if case .int(let number) = attributeValues[attribute] {
                attributeLabels.append(ProfileLabel(key: key, stringValue: nil, numericValue: number, numericUnit: unit.nilIfEmpty))
            } else {
                attributeLabels.append(ProfileLabel(key: key, stringValue: attributeValues[attribute].text ?? ""))
            }
        }
        if attributeLabels.isEmpty { attributeLabels = [ProfileLabel(key: "", stringValue: "")] }
        self.strings = strings
    }

    mutating func string(_ index: Int64, _ what: String, at offset: Int) throws(ProfileDecodingError) -> String {
        try strings!.string(index, what, at: offset)
    }

    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
