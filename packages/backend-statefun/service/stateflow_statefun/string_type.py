"""Statefun's string type, ``io.statefun.types/string``, without a protobuf message per access.

The SDK's ``StringType`` builds a ``StringWrapper`` message (and a new serializer) on every
read and write of a persisted value; with a few kilobytes of request records per call that
was a visible part of a call's CPU. :func:`serialize` and :func:`deserialize` write and read
the same bytes (the message's one field, ``value = 1``, framed by hand), and the values keep
the same type name, so state written by either is read by the other and checkpoints taken
before keep restoring. Bytes it does not expect (another field order, unknown fields) go to
protobuf's own parser.
"""
from __future__ import annotations

from .varint import length

TYPENAME = "io.statefun.types/string"
_TAG = 0x0A  # field 1, length-delimited
_FIELD = bytes((_TAG,))


def serialize(text: str) -> bytes:
    data = text.encode("utf-8")
    if not data:
        return b""  # proto3 leaves a default value out, as StringType does
    return _FIELD + length(len(data)) + data


def deserialize(data: bytes) -> str:
    if not data:
        return ""
    if data[0] == _TAG:
        size = len(data)
        first = data[1] if size > 1 else 0x80
        if first < 0x80:  # a length under 128: one byte
            if 2 + first == size:
                return data[2:].decode("utf-8")
        elif size > 2 and data[2] < 0x80:  # under 16 KiB: two bytes
            if 3 + ((first & 0x7F) | (data[2] << 7)) == size:
                return data[3:].decode("utf-8")
        else:
            n = shift = 0
            i = 1
            while i < size and shift < 35:
                b = data[i]
                i += 1
                n |= (b & 0x7F) << shift
                shift += 7
                if b < 0x80:
                    if i + n == size:
                        return str(memoryview(data)[i:], "utf-8")
                    break
    from statefun.types_pb2 import StringWrapper  # only for bytes framed otherwise

    wrapper = StringWrapper()
    wrapper.ParseFromString(data)
    return wrapper.value

