"""The one persisted value of an entity function: the instance's state and its request records.

Statefun's runtime reads every declared value of an address from RocksDB for each call,
sends it in the ``ToFunction``, and writes back each value the call changed. The instance
and its request records change together (every call that admits a request and is recorded
writes both; a read keeps no record and writes nothing), so they are one value, ``instance``::

    <the instance's state as JSON, or nothing when there is no instance>
    <its request records (requests_text.py: "#2 <count>", then one line per record)>

The state's JSON (``json.dumps``) never holds a raw line break, so the first one ends it.
Earlier versions kept the pair apart: ``instance`` held the state's JSON alone (no line
break), ``requests`` the records. Such a value is read with the old ``requests`` beside it
(:func:`split` says which layout it is), and the pair is written as one value, with
``requests`` deleted, the next time the address changes.
"""
from __future__ import annotations

from typing import Optional, Tuple

SEPARATOR = "\n"


def split(value: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """``(state JSON or None, records text)`` of a value in this layout; ``(value, None)``
    for a value of the earlier pair (the state alone) or none (its records are in ``requests``)."""
    if value is None:
        return None, None
    at = value.find(SEPARATOR)
    if at < 0:
        return value, None
    return value[:at] or None, value[at + 1 :]


def join(state: Optional[str], records: str) -> str:
    """The value holding ``state`` (None: no instance) and the records' text."""
    return (state or "") + SEPARATOR + records
