import NIOCore
import PostgresNIO

/// A `bigint[]` column read straight from PostgreSQL's binary array format: dimensions (int32),
/// has-nulls flag (int32), element type oid (uint32), then per dimension its length and lower
/// bound (int32 each), then each element as a length (int32, -1 for NULL) and its 8 bytes.
///
/// Written by hand because PostgresNIO's generic `[Int64]` decoding (one generic call, metadata
/// lookup and retain/release per element) took 35 % of the CPU of merged-profile queries under
/// `perf` (Benchmarks/merge.sh: 360 rows of ~600-element `stack_ids` and `stack_values`).
public struct BigintArray: PostgresDecodable, Sendable {
    public var values: [Int64]

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard format == .binary, type == .int8Array else { throw PostgresDecodingError.Code.typeMismatch }
        guard let dimensions = buffer.readInteger(as: Int32.self), buffer.readInteger(as: Int32.self) != nil,
              buffer.readInteger(as: UInt32.self) == PostgresDataType.int8.rawValue
        else { throw PostgresDecodingError.Code.failure }
        if dimensions == 0 {
            values = []
            return
        }
        guard dimensions == 1, let count = buffer.readInteger(as: Int32.self), count >= 0, buffer.readInteger(as: Int32.self) != nil,
              buffer.readableBytes == Int(count) * 12
        else { throw PostgresDecodingError.Code.failure }
        values = try buffer.readWithUnsafeReadableBytes { bytes in
            var values = [Int64]()
            values.reserveCapacity(Int(count))
            for offset in stride(from: 0, to: Int(count) * 12, by: 12) {
                // A NULL element (length -1) is not an 8-byte value: not ours to read.
                guard Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)) == 8 else {
                    throw PostgresDecodingError.Code.failure
                }
                values.append(Int64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: Int64.self)))
            }
            return (Int(count) * 12, values)
        }
    }
}
