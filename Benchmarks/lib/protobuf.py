"""Protobuf wire encoding by hand, for the benchmarks' load generators (they build a request
once and patch ids into it, so the client spends little CPU per request)."""


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_varint(data, at):
    """(value, position after it) of the varint at `at`."""
    value = shift = 0
    while True:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if byte < 0x80:
            return value, at
        shift += 7


def field(number, wire, payload):
    return varint(number << 3 | wire) + payload


def length_delimited(number, payload):
    return field(number, 2, varint(len(payload)) + payload)
