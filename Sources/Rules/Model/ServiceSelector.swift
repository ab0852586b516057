/// Which services (and profile labels) a condition looks at: exact matches on every given label.
///
/// Written as `service: checkout` or `selector: {service: checkout, region: eu}`; with neither, a
/// rule looks at every service and produces one alert per service.
public struct ServiceSelector: Sendable, Hashable, Codable {
    /// The service name to match, or `nil` for any.
    public var service: String?
    /// Further profile labels that must be present with these exact values.
    public var labels: [String: String]

    public init(service: String? = nil, labels: [String: String] = [:]) {
        self.service = service
        self.labels = labels
    }

    /// Whether a series belongs to the selected services.
    public func matches(_ series: FunctionSeries) -> Bool {
        if let service, series.service != service { return false }
        for (name, value) in labels where series.labels[name] != value { return false }
        return true
    }
}
