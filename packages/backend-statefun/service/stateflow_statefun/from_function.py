"""The ``FromFunction`` of a call that ran, written in protobuf's wire format by hand.

Building the reply with the protobuf classes costs a Python call per field (about 25 per
call: an address, a typed value and a Kafka record per message and answer, a typed value
per state write) and a copy of each value; most of those fields are the same in every call
(the function and egress type names, the value types). Here each message is its fields'
bytes, the constant ones made once (:func:`_text_field` results kept per name), so a reply
is a few concatenations. The bytes are what ``SerializeToString`` writes for the same
message (fields in number order, proto3 defaults left out); ``functions_test.py`` checks
that against the protobuf classes. The message numbers are Statefun's
(``io.statefun.sdk.reqreply.FromFunction``, ``io.statefun.sdk.egress.KafkaProducerRecord``)::

    FromFunction          100 invocation_result: InvocationResponse
    InvocationResponse    1 state_mutations, 2 outgoing_messages, 4 outgoing_egresses (repeated)
    PersistedValueMutation  1 mutation_type (DELETE 0, MODIFY 1), 2 state_name, 3 state_value
    Invocation            1 target: Address (1 namespace, 2 type, 3 id), 2 argument: TypedValue
    EgressMessage         1 egress_namespace, 2 egress_type, 3 argument: TypedValue
    TypedValue            1 typename, 2 has_value, 3 value
    KafkaProducerRecord   1 key (not written), 2 value_bytes, 3 topic
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from . import string_type
from .varint import length as _length
from .calls import Call

#: The typename of a Kafka egress record's argument (what the Kafka egress reads).
KAFKA_PRODUCER_RECORD = "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord"
_HAS_VALUE = b"\x10\x01"  # TypedValue.has_value = true
_INVOCATION_RESULT = b"\xa2\x06"  # field 100, length-delimited


def _field(tag: bytes, payload: bytes) -> bytes:
    """A length-delimited field (a message, bytes), written even when empty."""
    return tag + _length(len(payload)) + payload


def _text_field(tag: bytes, text: str) -> bytes:
    """A string field; proto3 leaves an empty one out."""
    return _field(tag, text.encode("utf-8")) if text else b""


class _Heads(dict):
    """The constant leading bytes of a message, made on first use per name."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, name):
        head = self[name] = self.make(name)
        return head


def _address_head(typename: str) -> bytes:
    namespace, _, type_ = typename.rpartition("/")
    return _text_field(b"\x0a", namespace) + _text_field(b"\x12", type_)


#: An Address's namespace and type fields, per function typename.
_ADDRESS = _Heads(_address_head)
#: A TypedValue's typename and has_value fields, per typename.
_TYPED = _Heads(lambda typename: _text_field(b"\x0a", typename) + _HAS_VALUE)
#: A PersistedValueMutation's MODIFY and state_name fields, per value name; its DELETE
#: (the default mutation type, left out) is the name alone.
_MODIFY = _Heads(lambda name: b"\x08\x01" + _text_field(b"\x12", name))
_DELETE = _Heads(lambda name: _text_field(b"\x12", name))
_STRING = _TYPED[string_type.TYPENAME]
_KAFKA = _TYPED[KAFKA_PRODUCER_RECORD]


def reply(call: Call, names: Tuple[str, ...], received: Dict[str, Optional[str]], values: Dict[str, Optional[str]]) -> bytes:
    """The ``FromFunction`` of ``call``: a mutation for each value that is not the object
    received (None: deleted), then its messages and its Kafka records, in order."""
    parts: List[bytes] = []
    for name in names:
        value = values.get(name)
        if value is received[name]:
            continue  # unchanged (the same object): not written back
        if value is None:
            parts.append(_field(b"\x0a", _DELETE[name]))
        else:
            data = string_type.serialize(value)
            state = _STRING + (b"\x1a" + _length(len(data)) + data if data else b"")
            mutation = _MODIFY[name] + b"\x1a" + _length(len(state)) + state
            parts.append(b"\x0a" + _length(len(mutation)) + mutation)
    for typename, id_, value_typename, value in call.messages:
        target = _ADDRESS[typename] + _text_field(b"\x1a", id_)
        argument = _TYPED[value_typename] + (b"\x1a" + _length(len(value)) + value if value else b"")
        message = b"\x0a" + _length(len(target)) + target + b"\x12" + _length(len(argument)) + argument
        parts.append(b"\x12" + _length(len(message)) + message)
    for egress, topic, value in call.egress:
        data = value.encode("utf-8")
        record = (b"\x12" + _length(len(data)) + data if data else b"") + _text_field(b"\x1a", topic)
        argument = _KAFKA + (b"\x1a" + _length(len(record)) + record if record else b"")
        message = _ADDRESS[egress] + b"\x1a" + _length(len(argument)) + argument
        parts.append(b"\x22" + _length(len(message)) + message)
    if not parts:
        return b""  # nothing to say: no invocation_result, as protobuf writes an empty one
    body = b"".join(parts)
    return _INVOCATION_RESULT + _length(len(body)) + body
