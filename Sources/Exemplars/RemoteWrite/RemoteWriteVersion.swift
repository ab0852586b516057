/// The remote write protocol a request's `Content-Type` names.
public enum RemoteWriteVersion: String, Sendable, Hashable {
    /// Remote write 1.0: `application/x-protobuf`, no `proto` parameter or
    /// `proto=prometheus.WriteRequest`.
    case v1
    /// Remote write 2.0: `application/x-protobuf;proto=io.prometheus.write.v2.Request`. Decoding
    /// it as 1.0 yields an empty request, so answer 415 until it is supported.
    case v2

    /// The version a `Content-Type` header names, by parsing the media type and its `proto`
    /// parameter; nil for another media type or an unknown `proto`. A missing header means 1.0,
    /// which is what senders predating the header meant.
    public init?(contentType: String?) {
        guard let contentType, !contentType.allSatisfy({ $0 == " " || $0 == "\t" }) else {
            self = .v1
            return
        }
        guard let mediaType = MediaType(contentType), mediaType.type == "application",
            mediaType.subtype == "x-protobuf"
        else { return nil }
        switch mediaType.parameter("proto") {
        case nil, "prometheus.WriteRequest": self = .v1
        case "io.prometheus.write.v2.Request": self = .v2
        default: return nil
        }
    }
}
