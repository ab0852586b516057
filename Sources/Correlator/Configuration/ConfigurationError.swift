/// The configuration (flags, environment, file) is not usable: which setting and why.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let setting: String
    public let reason: String

    static func invalid(_ setting: String, _ reason: String) -> ConfigurationError {
        ConfigurationError(setting: setting, reason: reason)
    }

    public var description: String { "\(setting): \(reason)" }
}
