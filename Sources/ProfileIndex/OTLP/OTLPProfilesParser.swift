import ProtobufWire

/// Reads an `ExportProfilesServiceRequest`: the dictionary first (serializers write it after the
/// profiles, so the profiles are located in a first pass and read in a second), then each
/// profile's samples against it.
struct OTLPProfilesParser {
    let bytes: UnsafeRawBufferPointer
    let maxSamples: Int
    private var sampleTotal = 0

    init(bytes: UnsafeRawBufferPointer, maxSamples: Int) {
        self.bytes = bytes
        self.maxSamples = maxSamples
    }

    mutating func parse() throws -> [OTLPProfile] {
        var reader = ProtobufReader(bytes)
        var resourceProfiles: [ProtobufReader] = []
        var dictionaryReader: ProtobufReader?
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .lengthDelimited)
                resourceProfiles.append(try reader.readMessage())
            case 2:
                try reader.expect(key, .lengthDelimited)
                dictionaryReader = try reader.readMessage()
            default:
                try reader.skip(key)
            }
        }
        var dictionary = OTLPDictionary(bytes: bytes)
        if var dictionaryReader { try dictionary.parse(&dictionaryReader) }
        try dictionary.resolve()

        var profiles: [OTLPProfile] = []
        for var resourceReader in resourceProfiles {
            var attributes: [String: String] = [:]
            var scopes: [ProtobufReader] = []
            while let key = try resourceReader.nextField() {
                switch key.number {
                case 1:
                    try resourceReader.expect(key, .lengthDelimited)
                    var resource = try resourceReader.readMessage()
                    attributes = try Self.parseResource(&resource)
                case 2:
                    try resourceReader.expect(key, .lengthDelimited)
                    scopes.append(try resourceReader.readMessage())
                default:
                    try resourceReader.skip(key)
                }
            }
            for var scope in scopes {
                while let key = try scope.nextField() {
                    if key.number == 2 {
                        try scope.expect(key, .lengthDelimited)
                        var message = try scope.readMessage()
                        var profile = try parseProfile(&message, dictionary: &dictionary, offset: key.offset)
                        profile.serviceName = attributes["service.name"]
                        profile.resourceAttributes = attributes
                        profiles.append(profile)
                    } else {
                        try scope.skip(key)
                    }
                }
            }
        }
        return profiles
    }

    private static func parseResource(_ reader: inout ProtobufReader) throws -> [String: String] {
        var attributes: [String: String] = [:]
        while let key = try reader.nextField() {
            guard key.number == 1 else {
                try reader.skip(key)
                continue
            }
            try reader.expect(key, .lengthDelimited)
            var keyValue = try reader.readMessage()
            var name = ""
            var value: OTLPAnyValue = .none
            while let field = try keyValue.nextField() {
                switch field.number {
                case 1:
                    try keyValue.expect(field, .lengthDelimited)
                    name = String(decoding: try keyValue.readBytes(), as: UTF8.self)
                case 2:
                    try keyValue.expect(field, .lengthDelimited)
                    var any = try keyValue.readMessage()
                    value = try OTLPAnyValue(&any)
                default:
                    try keyValue.skip(field)
                }
            }
            if let text = value.text { attributes[name] = text }
        }
        return attributes
    }

    private mutating func parseProfile(
        _ reader: inout ProtobufReader,
        dictionary: inout OTLPDictionary,
        offset profileOffset: Int
    ) throws -> OTLPProfile {
        var sampleType: (type: Int64, unit: Int64)?
        var periodType: (type: Int64, unit: Int64)?
        var samples: [ProtobufReader] = []
        var timeNanos: Int64 = 0
        var durationNanos: Int64 = 0
        var period: Int64 = 0
        var profileID: String?
        var payloadFormat: String?
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .lengthDelimited)
                var message = try reader.readMessage()
                sampleType = try Self.parseValueType(&message)
            case 2:
                try reader.expect(key, .lengthDelimited)
                samples.append(try reader.readMessage())
                sampleTotal += 1
                guard sampleTotal <= maxSamples else {
                    throw ProfileDecodingError(
                        .tooManySamples,
                        "request has more than the limit of \(maxSamples) samples",
                        at: key.offset
                    )
                }
            case 3:
                timeNanos = Int64(bitPattern: key.wireType == .fixed64 ? try reader.readFixed64() : try reader.readVarint())
            case 4:
                try reader.expect(key, .varint)
                durationNanos = Int64(bitPattern: try reader.readVarint())
            case 5:
                try reader.expect(key, .lengthDelimited)
                var message = try reader.readMessage()
                periodType = try Self.parseValueType(&message)
            case 6:
                try reader.expect(key, .varint)
                period = try reader.readInt64()
            case 7:
                try reader.expect(key, .lengthDelimited)
                let id = try reader.readBytes()
                if id.contains(where: { $0 != 0 }) { profileID = OTLPDictionary.hex(id) }
            case 9:
                try reader.expect(key, .lengthDelimited)
                payloadFormat = String(decoding: try reader.readBytes(), as: UTF8.self).nilIfEmpty
            default:
                try reader.skip(key)
            }
        }

        let valueType = try ProfileValueType(
            type: sampleType.map { try dictionary.string($0.type, "profile sample_type type", at: profileOffset) } ?? "",
            unit: sampleType.map { try dictionary.string($0.unit, "profile sample_type unit", at: profileOffset) } ?? ""
        )
        var profile = Profile(sampleTypes: [valueType], defaultSampleTypeIndex: 0)
        profile.timeNanos = timeNanos
        profile.durationNanos = durationNanos
        profile.period = period
        if let periodType {
            profile.periodType = ProfileValueType(
                type: try dictionary.string(periodType.type, "profile period_type type", at: profileOffset),
                unit: try dictionary.string(periodType.unit, "profile period_type unit", at: profileOffset)
            )
        }
        profile.functions = dictionary.functions
        profile.locationFrameStarts = dictionary.locationFrameStarts
        profile.locationFrames = dictionary.locationFrames

        // Dictionary attributes and links become this profile's labels on first use.
        var labelOfAttribute = [Int32](repeating: -1, count: dictionary.attributeLabels.count)
        var labelsOfLink = [Int32](repeating: -1, count: dictionary.links.count)
        profile.sampleValues.reserveCapacity(samples.count)
        for (sampleIndex, var sample) in samples.enumerated() {
            let sampleOffset = sample.offset
            var stack: Int64 = 0
            var link: Int64 = 0
            var value: Int64 = 0
            var valueCount = 0
            var timestampCount = 0
            while let key = try sample.nextField() {
                switch key.number {
                case 1:
                    try sample.expect(key, .varint)
                    stack = try sample.readInt64()
                case 2:
                    var attributes: [Int64] = []
                    try sample.readRepeatedVarint(key) { attributes.append(Int64(Int32(truncatingIfNeeded: $0))) }
                    for attribute in attributes {
                        guard attribute >= 0, attribute < Int64(labelOfAttribute.count) else {
                            throw ProfileDecodingError(
                                .invalidReference,
                                "sample \(sampleIndex) references attribute \(attribute) which does not exist",
                                at: sampleOffset
                            )
                        }
                        if attribute == 0 { continue }
                        var label = labelOfAttribute[Int(attribute)]
                        if label < 0 {
                            label = Int32(profile.labels.count)
                            profile.labels.append(dictionary.attributeLabels[Int(attribute)])
                            labelOfAttribute[Int(attribute)] = label
                        }
                        profile.sampleLabels.append(label)
                    }
                case 3:
                    try sample.expect(key, .varint)
                    link = try sample.readInt64()
                case 4:
                    try sample.readRepeatedVarint(key) {
                        value &+= Int64(bitPattern: $0)
                        valueCount += 1
                    }
                case 5:
                    try sample.readRepeatedFixed64(key) { _ in timestampCount += 1 }
                default:
                    try sample.skip(key)
                }
            }
            // A sample without values counts its observations (one per timestamp).
            if valueCount == 0 { value = Int64(timestampCount) }
            guard stack >= 0, stack < Int64(dictionary.stackStarts.count - 1) else {
                throw ProfileDecodingError(
                    .invalidReference,
                    "sample \(sampleIndex) references stack \(stack) which does not exist",
                    at: sampleOffset
                )
            }
            guard link >= 0, link < Int64(dictionary.links.count) else {
                throw ProfileDecodingError(
                    .invalidReference,
                    "sample \(sampleIndex) references link \(link) which does not exist",
                    at: sampleOffset
                )
            }
            if link != 0, let ids = dictionary.links[Int(link)] {
                var first = labelsOfLink[Int(link)]
                if first < 0 {
                    first = Int32(profile.labels.count)
                    profile.labels.append(ProfileLabel(key: "trace_id", stringValue: ids.traceID))
                    profile.labels.append(ProfileLabel(key: "span_id", stringValue: ids.spanID))
                    labelsOfLink[Int(link)] = first
                }
                profile.sampleLabels.append(first)
                profile.sampleLabels.append(first + 1)
            }
            let stackRange = Int(dictionary.stackStarts[Int(stack)])..<Int(dictionary.stackStarts[Int(stack) + 1])
            profile.sampleLocations.append(contentsOf: dictionary.stackLocations[stackRange])
            profile.sampleLocationStarts.append(Int32(profile.sampleLocations.count))
            profile.sampleValues.append(value)
            profile.sampleLabelStarts.append(Int32(profile.sampleLabels.count))
        }
        return OTLPProfile(
            serviceName: nil,
            resourceAttributes: [:],
            profileID: profileID,
            originalPayloadFormat: payloadFormat,
            profile: profile
        )
    }

    static func parseValueType(_ reader: inout ProtobufReader) throws -> (Int64, Int64) {
        var type: Int64 = 0
        var unit: Int64 = 0
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .varint)
                type = try reader.readInt64()
            case 2:
                try reader.expect(key, .varint)
                unit = try reader.readInt64()
            default:
                try reader.skip(key)
            }
        }
        return (type, unit)
    }
}
