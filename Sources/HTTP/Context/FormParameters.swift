import Exemplars
import Hummingbird
import HummingbirdCore

/// Parameters of a query string or an `application/x-www-form-urlencoded` body, decoded the way
/// browsers and HTTP clients encode them (WHATWG URL, "application/x-www-form-urlencoded
/// parsing"): `+` is a space, `%XX` is a byte, in names as in values; a `%` not followed by two
/// hex digits stays as it is, and bytes that are not UTF-8 become U+FFFD.
///
/// Written here because Hummingbird's `URI.queryParameters` decodes only `%XX`, and only in values:
/// `up{job="a b"}` sent as `up%7Bjob%3D%22a+b%22%7D` (HTML forms, Grafana's `URLSearchParams`,
/// Python's `urlencode`, `curl --data-urlencode`) kept its `+`. Its `URLEncodedFormDecoder` does
/// handle `+`, but decodes into a `Decodable` type and treats `a[b]` names as nesting; these routes
/// read a flat list of names, some of them free-form labels.
enum FormParameters {
    /// The name–value pairs of `encoded` (a query string without its `?`, or a form body), in order.
    static func decode(_ encoded: some StringProtocol) -> FlatDictionary<Substring, Substring> {
        var pairs: [(key: Substring, value: Substring)] = []
        for field in encoded.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = field.firstIndex(of: UInt8(ascii: "="))
            let name = decodeComponent(field[..<(equals ?? field.endIndex)])
            let value = equals.map { decodeComponent(field[field.index(after: $0)...]) } ?? ""
            pairs.append((key: Substring(name), value: Substring(value)))
        }
        return FlatDictionary(pairs)
    }

    /// One name or value: `+` → space, `%XX` → byte.
    static func decodeComponent(_ bytes: some Collection<UInt8>) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            bytes.formIndex(after: &index)
            switch byte {
            case UInt8(ascii: "+"):
                decoded.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                var hex = index
                guard hex != bytes.endIndex, let high = hexValue(bytes[hex]) else { decoded.append(byte); continue }
                bytes.formIndex(after: &hex)
                guard hex != bytes.endIndex, let low = hexValue(bytes[hex]) else { decoded.append(byte); continue }
                decoded.append(high << 4 | low)
                index = bytes.index(after: hex)
            default:
                decoded.append(byte)
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }
}

extension Request {
    /// The query string's parameters, decoded like a form (see ``FormParameters``).
    var queryParameters: FlatDictionary<Substring, Substring> {
        uri.query.map { FormParameters.decode($0) } ?? FlatDictionary()
    }
}
