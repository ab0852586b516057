/// What a sample value measures: a type (`cpu`, `alloc_space`, `goroutine`) and its unit
/// (`nanoseconds`, `bytes`, `count`), as pprof's `ValueType`.
public struct ProfileValueType: Sendable, Hashable, Codable, CustomStringConvertible {
    public var type: String
    public var unit: String

    public init(type: String, unit: String) {
        self.type = type
        self.unit = unit
    }

    /// `type/unit`, as `go tool pprof -raw` prints it.
    public var description: String { "\(type)/\(unit)" }
}
