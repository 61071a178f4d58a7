"""The request records of an entity function as lines of text: the part of its persisted
value after the instance's state (``stored_value.py``; earlier versions kept it as a value of
its own, ``requests``).

The value travels with every call and holds up to ``dedupWindow`` records (request id ->
record text, oldest first), while a call needs at most one of them: usually it only asks
whether a new request id is there, then adds it. Earlier versions stored a JSON object,
parsed and written whole on every call; with a few dozen records that cost more than the
kernel. This layout is looked up with one substring search and edited by slicing::

    #2 <how many records>
    <request id>\\t<record>
    ...

(each record line begins with a line break; nothing else in the value has a raw line break
or tab). A request id that is a UUID in its canonical form (lower case, as clients make
them) is written ``~`` and its 16 bytes in base64url (23 characters instead of 38); any
other id as JSON (which never starts with ``~``). A record with a line break or a tab, or
that starts with ``"``, is written as a JSON string. The whole value travels with every
call and is written back whenever a record is added, and Statefun's JVM reads, writes and
checkpoints it, so its size is part of every call's cost.

Values of earlier layouts are read, and written in this one the next time they change: the
JSON object, and ``#1`` (the same lines with every request id as JSON). A record is opaque
text here: the service stores each as its compact entry (``entry_text.py``), and earlier
versions stored JSON entries (``stateflow_flink.dedup.Record.entry``) or whole record texts
(``Record.dumps``), which are read alike.
"""
from __future__ import annotations

import base64
import json
import re
from functools import lru_cache
from typing import Any, Dict, Optional, Tuple

HEADER = "#2 "
#: The header of the previous layout: the same lines, each request id as JSON.
HEADER_1 = "#1 "
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class RequestsText:
    """One instance's request records, as the text of its ``requests`` value."""

    def __init__(self, text: Optional[str]):
        if text and (text.startswith("{") or text.startswith(HEADER_1)):  # an earlier layout
            text = encode(decode(text))
        self.text = text or HEADER + "0"
        self._head_end = _end_of_line(self.text, 0)
        self._count = int(self.text[len(HEADER) : self._head_end])
        # The last id looked up and where its line is: a call looks its request id up,
        # then adds it, and put() need not search the text again.
        self._found: Optional[Tuple[str, int]] = None

    def get(self, request_id: Any) -> Optional[str]:
        """The record of ``request_id``, or None."""
        key = id_text(request_id)
        at = self.text.find("\n" + key + "\t")
        self._found = (key, at)
        if at < 0:
            return None
        start = at + len(key) + 2
        return _decode_record(self.text[start : _end_of_line(self.text, start)])

    def put(self, request_id: Any, record: str, window: int) -> str:
        """Stores ``record`` as the newest, keeps the newest ``window``; returns the new text."""
        key = id_text(request_id)
        text, count = self.text, self._count
        found, self._found = self._found, None
        at = found[1] if found is not None and found[0] == key else text.find("\n" + key + "\t")
        line = "\n" + key + "\t" + _encode_record(record)
        if at < 0 and count < window:  # a new id, none forgotten: one copy of the text
            count += 1
            self.text = HEADER + str(count) + text[self._head_end :] + line
            self._head_end = len(HEADER) + len(str(count))
            self._count = count
            return self.text
        if at >= 0:  # replaced: it becomes the newest
            text = text[:at] + text[_end_of_line(text, at + 1) :]
            count -= 1
        text += line
        count += 1
        while count > max(window, 0):  # the oldest go
            first = _end_of_line(text, 0)
            text = text[:first] + text[_end_of_line(text, first + 1) :]
            count -= 1
        self.text = HEADER + str(count) + text[_end_of_line(text, 0) :]
        self._head_end = _end_of_line(self.text, 0)
        self._count = count
        return self.text

    def count(self) -> int:
        """How many records there are."""
        return self._count


def encode(records: Dict[Any, str]) -> str:
    """The text of ``records`` (oldest first)."""
    return HEADER + str(len(records)) + "".join("\n" + id_text(k) + "\t" + _encode_record(v) for k, v in records.items())


def decode(text: Optional[str]) -> Dict[Any, str]:
    """The records of a ``requests`` value (either layout), oldest first."""
    if not text:
        return {}
    if text.startswith("{"):
        return json.loads(text)
    records: Dict[Any, str] = {}
    for line in text.split("\n")[1:]:
        key, _, record = line.partition("\t")
        records[_id_of(key)] = _decode_record(record)
    return records


@lru_cache(maxsize=256)  # a call looks its request id up, then adds it
def _uuid_text(request_id: str) -> Optional[str]:
    if len(request_id) != 36 or not _UUID.match(request_id):
        return None
    return "~" + base64.urlsafe_b64encode(bytes.fromhex(request_id.replace("-", ""))).decode("ascii")[:22]


def id_text(request_id: Any) -> str:
    """How a request id is written in a line: ``~`` + base64url for a canonical UUID, else JSON."""
    if isinstance(request_id, str):
        compact = _uuid_text(request_id)
        if compact is not None:
            return compact
    return json.dumps(request_id)


def _id_of(text: str) -> Any:
    if text.startswith("~"):
        h = base64.urlsafe_b64decode(text[1:] + "==").hex()
        return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
    return json.loads(text)


def _end_of_line(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def _encode_record(record: str) -> str:
    if "\n" in record or "\t" in record or record.startswith('"'):
        return json.dumps(record)
    return record


def _decode_record(text: str) -> str:
    return json.loads(text) if text.startswith('"') else text
