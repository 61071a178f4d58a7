"""Protobuf's base-128 varints, as the length prefixes of the bytes written by hand
(``string_type.py``, ``from_function.py``)."""
from __future__ import annotations


def encode(n: int) -> bytes:
    """The varint of ``n`` (>= 0)."""
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


#: The varints of 0 .. 16383 (one or two bytes), looked up: a call per length was a visible cost.
SHORT = [encode(n) for n in range(1 << 14)]


def length(n: int) -> bytes:
    """The varint of a length ``n``."""
    return SHORT[n] if n < 16384 else encode(n)
