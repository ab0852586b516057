import Foundation
import NIOCore

/// The parts of a `multipart/form-data` body (RFC 7578), as newer Pyroscope clients send
/// profiles: each part's `name` from `Content-Disposition` and its bytes.
struct MultipartFormData {
    var parts: [(name: String, body: ByteBuffer)] = []

    /// The boundary of a `multipart/form-data; boundary=…` content type, or nil for other types.
    static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() where piece.lowercased().hasPrefix("boundary=") {
            var value = piece.dropFirst("boundary=".count)
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }

    init(_ body: ByteBuffer, boundary: String) throws {
        let bytes = Array(body.readableBytesView)
        let delimiter = Array(("--" + boundary).utf8)
        guard var position = Self.find(delimiter, in: bytes, from: 0) else {
            throw ProfileIngestError("multipart body: no boundary '\(boundary)'")
        }
        while true {
            position += delimiter.count
            if bytes[position...].starts(with: Array("--".utf8)) { break }  // closing delimiter
            guard let headersStart = Self.find(Array("\r\n".utf8), in: bytes, from: position),
                  let headersEnd = Self.find(Array("\r\n\r\n".utf8), in: bytes, from: headersStart)
            else { throw ProfileIngestError("multipart body: part headers not terminated at byte \(position)") }
            let headers = String(decoding: bytes[headersStart..<headersEnd], as: UTF8.self)
            let contentStart = headersEnd + 4
            guard let next = Self.find(Array("\r\n".utf8) + delimiter, in: bytes, from: contentStart) else {
                throw ProfileIngestError("multipart body: part at byte \(contentStart) has no closing boundary")
            }
            var name = ""
            for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                if let range = line.range(of: "name=\"") {
                    name = String(line[range.upperBound...].prefix { $0 != "\"" })
                }
            }
            parts.append((name, body.getSlice(at: body.readerIndex + contentStart, length: next - contentStart)!))
            position = next + 2
        }
    }

    func part(named name: String) -> ByteBuffer? {
        parts.first { $0.name == name }?.body
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
