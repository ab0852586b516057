/// A String from bytes that must be valid UTF-8, or nil.
///
/// ASCII, which nearly every label, name and id is, takes a word-at-a-time check and
/// `String(decoding:as:)`, which the compiler specialises here. Anything else goes through
/// `String(validating:as:)`: that one is not inlinable, and each call looked up its generic
/// metadata at run time (2.4% of the process's CPU in the remote-write benchmark, profiled
/// with perf).
@inlinable
public func utf8String(_ bytes: UnsafeRawBufferPointer) -> String? {
    if isASCII(bytes) {
        return String(decoding: bytes, as: UTF8.self)
    }
    return String(validating: bytes, as: UTF8.self)
}

/// Whether the bytes are valid UTF-8, without keeping a String (ASCII checked a word at a time).
@inlinable
public func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    isASCII(bytes) || String(validating: bytes, as: UTF8.self) != nil
}

@inlinable
func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
    let count = bytes.count
    var index = 0
    var high: UInt64 = 0
    while count - index >= 8 {
        high |= bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        index += 8
    }
    while index < count {
        high |= UInt64(bytes[index])
        index += 1
    }
    return high & 0x8080_8080_8080_8080 == 0
}
