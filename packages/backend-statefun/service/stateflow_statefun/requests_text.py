"""The ``requests`` persisted value of an entity function: request records as lines of text.

The value travels with every call and holds up to ``dedupWindow`` records (request id ->
record text, oldest first), while a call needs at most one of them: usually it only asks
whether a new request id is there, then adds it. Earlier versions stored a JSON object,
parsed and written whole on every call; with a few dozen records that cost more than the
kernel. This layout is looked up with one substring search and edited by slicing::

    #1 <how many records>
    <request id as JSON>\\t<record>
    ...

(each record line begins with a line break; nothing else in the value has a raw line break
or tab: a request id is written as JSON, and a record with a line break or a tab, or that
starts with ``"``, as a JSON string). A value in the earlier layout (a JSON object) is
read, and written in this one the next time it changes. A record is opaque text here: the
service stores each as its compact entry (``stateflow_flink.dedup.Record.entry``), and
earlier versions stored whole record texts (``Record.dumps``), which are read alike.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

HEADER = "#1 "


class RequestsText:
    """One instance's request records, as the text of its ``requests`` value."""

    def __init__(self, text: Optional[str]):
        if text and text.startswith("{"):  # the earlier layout
            text = encode(json.loads(text))
        self.text = text or HEADER + "0"
        self._count = int(self.text[len(HEADER) : _end_of_line(self.text, 0)])

    def get(self, request_id: Any) -> Optional[str]:
        """The record of ``request_id``, or None."""
        line = "\n" + json.dumps(request_id) + "\t"
        at = self.text.find(line)
        if at < 0:
            return None
        start = at + len(line)
        return _decode_record(self.text[start : _end_of_line(self.text, start)])

    def put(self, request_id: Any, record: str, window: int) -> str:
        """Stores ``record`` as the newest, keeps the newest ``window``; returns the new text."""
        key = json.dumps(request_id)
        text, count = self.text, self._count
        at = text.find("\n" + key + "\t")
        if at >= 0:  # replaced: it becomes the newest
            text = text[:at] + text[_end_of_line(text, at + 1) :]
            count -= 1
        text += "\n" + key + "\t" + _encode_record(record)
        count += 1
        while count > max(window, 0):  # the oldest go
            first = _end_of_line(text, 0)
            text = text[:first] + text[_end_of_line(text, first + 1) :]
            count -= 1
        self.text = HEADER + str(count) + text[_end_of_line(text, 0) :]
        self._count = count
        return self.text

    def count(self) -> int:
        """How many records there are."""
        return self._count


def encode(records: Dict[Any, str]) -> str:
    """The text of ``records`` (oldest first)."""
    return HEADER + str(len(records)) + "".join("\n" + json.dumps(k) + "\t" + _encode_record(v) for k, v in records.items())


def decode(text: Optional[str]) -> Dict[Any, str]:
    """The records of a ``requests`` value (either layout), oldest first."""
    if not text:
        return {}
    if text.startswith("{"):
        return json.loads(text)
    records: Dict[Any, str] = {}
    for line in text.split("\n")[1:]:
        key, _, record = line.partition("\t")
        records[json.loads(key)] = _decode_record(record)
    return records


def _end_of_line(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def _encode_record(record: str) -> str:
    if "\n" in record or "\t" in record or record.startswith('"'):
        return json.dumps(record)
    return record


def _decode_record(text: str) -> str:
    return json.loads(text) if text.startswith('"') else text
