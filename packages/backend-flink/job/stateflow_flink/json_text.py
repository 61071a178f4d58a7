"""``json.dumps`` and ``json.loads`` for the events and states a record passes, without the
setup ``json`` does on every call.

``json.dumps`` builds a new C encoder for each value it writes (a few microseconds, more than
writing a small event), and ``json.loads`` matches whitespace twice around one C scan. A
function call of the Statefun service writes four to five such texts and reads as many, so
here one encoder is made once per separator style, and a text is scanned with ``json``'s own
scanner. The output is byte for byte ``json.dumps``'s (same separators, ASCII, NaN allowed),
the values read are ``json.loads``'s (anything but a bare JSON value, such as surrounding
whitespace, goes to ``json.loads`` itself, errors included). One difference: the encoder
does not track the containers it is in, so a value that contains itself stops with a
``RecursionError`` instead of ``ValueError`` (both are exceptions where they are caught;
what is written here comes from the kernel's encoding and from parsed JSON, which have no
cycles).
"""
from __future__ import annotations

import json
from json import encoder as _encoder
from typing import Any, Callable, Tuple

_scan = json.decoder.JSONDecoder().scan_once


def _encoder_for(separators: Tuple[str, str]) -> Callable[[Any], str]:
    make = _encoder.c_make_encoder
    if make is None:  # a Python without json's C accelerator
        return json.JSONEncoder(separators=separators).encode
    item_separator, key_separator = separators
    encode = make(None, json.JSONEncoder().default, _encoder.encode_basestring_ascii, None,
                  key_separator, item_separator, False, False, True)

    def dumps(value: Any) -> str:
        return "".join(encode(value, 0))

    return dumps


#: ``json.dumps(value)``.
dumps = _encoder_for((", ", ": "))
#: ``json.dumps(value, separators=(",", ":"))``.
dumps_compact = _encoder_for((",", ":"))


def loads(text: str) -> Any:
    """``json.loads(text)`` for a ``str``."""
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        return json.loads(text)  # not a value at 0 (whitespace first, or not JSON): its answer or error
    if end != len(text):
        return json.loads(text)  # something after the value: whitespace, or "Extra data"
    return value
