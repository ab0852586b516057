import ProtobufWire

extension OTLPTraceDecoder {
    /// Decodes a protobuf `ExportTraceServiceRequest` from borrowed bytes.
    ///
    /// Fields are read in place and appended to the batch's columns; attribute values are
    /// rendered straight into the attributes JSON buffer. Unknown fields are skipped; fields
    /// may come in any order.
    public func decode(protobuf body: UnsafeRawBufferPointer) throws(OTLPTraceDecodingError) -> DecodedTraceExport {
        let spanCount: Int
        do {
            spanCount = try ProtobufTraceDecoding.countSpans(ProtobufReader(body))
        } catch {
            throw .protobuf(error)
        }
        if spanCount > options.maxSpansPerRequest {
            throw .tooManySpans(limit: options.maxSpansPerRequest)
        }
        var decoding = ProtobufTraceDecoding(decoder: self, spanCount: spanCount, bodySize: body.count)
        do {
            try decoding.decodeRequest(ProtobufReader(body))
        } catch {
            if decoding.attributesTooLarge { throw .attributesTooLarge(limit: options.maxAttributesJSONBytes) }
            throw .protobuf(error)
        }
        return decoding.finish()
    }
}
