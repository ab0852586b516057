/// One distinct label of the samples of a profile: a key with a string value (pprof labels set
/// with `pprof.Do`, OTLP attributes) or a number with an optional unit.
public struct ProfileLabel: Sendable, Hashable, Codable {
    public var key: String
    /// The string value, or nil for a numeric label.
    public var stringValue: String?
    /// The numeric value (0 for a string label).
    public var numericValue: Int64
    /// The unit of a numeric label, when the profile names one.
    public var numericUnit: String?

    public init(key: String, stringValue: String?, numericValue: Int64 = 0, numericUnit: String? = nil) {
        self.key = key
        self.stringValue = stringValue
        self.numericValue = numericValue
        self.numericUnit = numericUnit
    }

    /// The value as `go tool pprof -tags` lists it: the string, or the number scaled to its unit.
    public var displayValue: String {
        if let stringValue { return stringValue }
        return PprofUnits.scaledLabel(numericValue, unit: PprofUnits.numericLabelUnit(key: key, unit: numericUnit), to: "minimum")
    }
}
