import Foundation

extension OTLPTraceDecoder {
    /// Decodes an OTLP JSON `ExportTraceServiceRequest`.
    ///
    /// OTLP JSON is proto3 JSON with lowerCamelCase keys and these differences, all accepted
    /// here: `traceId`, `spanId`, `parentSpanId` (and a link's ids) are hex, not base64; enums
    /// are integers (their proto names are accepted too); 64-bit integers are decimal strings
    /// or numbers. Unknown keys are ignored. The result is the same batch the protobuf encoding
    /// of the request decodes to.
    public func decode(json body: UnsafeRawBufferPointer) throws(OTLPTraceDecodingError) -> DecodedTraceExport {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(body))
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            throw .json("not JSON: \(reason ?? "\(error)")", at: nil)
        }
        guard let request = root as? [String: Any] else {
            throw .json("expected an object", at: "")
        }
        var decoding = JSONTraceDecoding(decoder: self)
        try decoding.decodeRequest(request)
        return decoding.finish()
    }
}
