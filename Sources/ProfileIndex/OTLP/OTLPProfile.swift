/// One profile of an OTLP `ExportProfilesServiceRequest`, decoded into the same ``Profile`` a
/// pprof upload gives, with what OTLP adds: the resource's service and the profile id.
///
/// Samples linked to a span (`link_index`) carry `trace_id` and `span_id` labels (lowercase
/// hex), so ``Profile/spanBreakdown(functionLimit:)`` and label filters work as for Go's labels.
public struct OTLPProfile: Sendable {
    /// The resource attribute `service.name`, when set.
    public var serviceName: String?
    /// The resource's string, integer and boolean attributes, as text.
    public var resourceAttributes: [String: String]
    /// The profile id as 32 lowercase hex digits, when set and not all zero.
    public var profileID: String?
    /// The format of `original_payload` (e.g. `pprofext`), when the producer kept one.
    public var originalPayloadFormat: String?
    /// The samples, stacks and labels.
    public var profile: Profile
}
