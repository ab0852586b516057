import Foundation
import NIOCore
import ProtobufWire

/// Pyroscope's `push.v1.PushRequest`, what its SDKs and Grafana Alloy's `pyroscope.write`
/// send to `/push.v1.PusherService/Push`. Fields, from grafana/pyroscope's `api/push/v1`:
///
/// - `PushRequest`: `series` 1 (repeated `RawProfileSeries`);
/// - `RawProfileSeries`: `labels` 1 (repeated `types.v1.LabelPair`: `name` 1, `value` 2),
///   `samples` 2 (repeated `RawSample`);
/// - `RawSample`: `raw_profile` 1 (bytes: a pprof profile, gzip'd or not), `ID` 2 (string).
///
/// In JSON (Connect's `application/json`, protobuf's JSON mapping): `series`, `labels`,
/// `name`, `value`, `samples`, `rawProfile` (base64; `raw_profile` accepted) and `ID`.
struct PushRequest: Sendable {
    struct Series: Sendable {
        var labels: [(name: String, value: String)] = []
        var samples: [Sample] = []
    }

    struct Sample: Sendable {
        var rawProfile: [UInt8]
        var id: String
    }

    var series: [Series] = []

    /// A body that is not a PushRequest: what is wrong and where (a byte offset or a field path).
    struct DecodingError: Error, CustomStringConvertible {
        var description: String
    }

    init(proto body: ByteBuffer) throws {
        series = try body.withUnsafeReadableBytes { bytes in
            do {
                var reader = ProtobufReader(bytes)
                var series: [Series] = []
                while let key = try reader.nextField() {
                    guard key.number == 1 else { try reader.skip(key); continue }
                    try reader.expect(key, .lengthDelimited)
                    series.append(try Self.series(reader.readMessage()))
                }
                return series
            } catch {
                throw DecodingError(description: "PushRequest (protobuf): \(error)")
            }
        }
    }

    private static func series(_ message: ProtobufReader) throws(ProtobufDecodingError) -> Series {
        var reader = message
        var series = Series()
        while let key = try reader.nextField() {
            switch key.number {
            case 1:
                try reader.expect(key, .lengthDelimited)
                var pair = try reader.readMessage()
                var name = "", value = ""
                while let field = try pair.nextField() {
                    switch field.number {
                    case 1: try pair.expect(field, .lengthDelimited); name = try pair.readString()
                    case 2: try pair.expect(field, .lengthDelimited); value = try pair.readString()
                    default: try pair.skip(field)
                    }
                }
                series.labels.append((name, value))
            case 2:
                try reader.expect(key, .lengthDelimited)
                var sample = try reader.readMessage()
                var raw: [UInt8] = []
                var id = ""
                while let field = try sample.nextField() {
                    switch field.number {
                    case 1: try sample.expect(field, .lengthDelimited); raw = Array(try sample.readBytes())
                    case 2: try sample.expect(field, .lengthDelimited); id = try sample.readString()
                    default: try sample.skip(field)
                    }
                }
                series.samples.append(Sample(rawProfile: raw, id: id))
            default:
                try reader.skip(key)
            }
        }
        return series
    }

    init(json body: ByteBuffer) throws {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
        } catch {
            throw DecodingError(description: "PushRequest (JSON): not JSON: \(error.localizedDescription)")
        }
        guard let root = object as? [String: Any] else { throw DecodingError(description: "PushRequest (JSON): expected an object") }
        for (seriesIndex, item) in (root["series"] as? [Any] ?? []).enumerated() {
            let path = "series[\(seriesIndex)]"
            guard let entry = item as? [String: Any] else { throw DecodingError(description: "\(path): expected an object") }
            var series = Series()
            for (labelIndex, label) in (entry["labels"] as? [Any] ?? []).enumerated() {
                guard let pair = label as? [String: Any], let name = pair["name"] as? String else {
                    throw DecodingError(description: "\(path).labels[\(labelIndex)]: expected {\"name\": string, \"value\": string}")
                }
                series.labels.append((name, pair["value"] as? String ?? ""))
            }
            for (sampleIndex, sample) in (entry["samples"] as? [Any] ?? []).enumerated() {
                guard let fields = sample as? [String: Any] else {
                    throw DecodingError(description: "\(path).samples[\(sampleIndex)]: expected an object")
                }
                let text = fields["rawProfile"] as? String ?? fields["raw_profile"] as? String ?? ""
                guard let raw = Data(base64Encoded: text) ?? Data(base64Encoded: Self.standardBase64(text)) else {
                    throw DecodingError(description: "\(path).samples[\(sampleIndex)].rawProfile: not base64")
                }
                series.samples.append(Sample(rawProfile: [UInt8](raw), id: fields["ID"] as? String ?? fields["id"] as? String ?? ""))
            }
            self.series.append(series)
        }
    }

    /// URL-safe base64 without padding (accepted by protobuf's JSON mapping) as standard base64.
    private static func standardBase64(_ text: String) -> String {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return standard
    }
}
