/// The stable 64-bit id of a function in the `functions` table: FNV-1a (64-bit) over the UTF-8
/// bytes of the name, one zero byte, then the UTF-8 bytes of the file name, as a signed bigint.
///
/// FNV-1a is fixed forever (offset basis 0xcbf29ce484222325, prime 0x100000001b3), so every
/// replica and every version computes the same id and `INSERT … ON CONFLICT DO NOTHING` dedups.
public enum FunctionID {
    public static func of(name: String, filename: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        hash ^= 0
        hash = hash &* 0x100_0000_01b3
        for byte in filename.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }
}

/// The stable 64-bit id of a stack in `profile_stack_dictionary`: FNV-1a (64-bit) over its
/// function ids (``FunctionID``), root first, each as 8 little-endian bytes, as a signed
/// bigint. Fixed forever, like ``FunctionID``: every replica stores a stack under the same id.
public enum StackID {
    public static func of(functionIDs: some Sequence<Int64>) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for id in functionIDs {
            var value = UInt64(bitPattern: id)
            for _ in 0..<8 {
                hash ^= value & 0xff
                hash = hash &* 0x100_0000_01b3
                value >>= 8
            }
        }
        return Int64(bitPattern: hash)
    }
}
