"""What a function of the service gets and sends in one call, apart from the wire format
(``request_reply.py`` speaks Statefun's protocol; this module needs no protobuf)."""
from __future__ import annotations

from typing import Callable, Dict, List, NamedTuple, Optional, Tuple


class Call:
    """One call of a function (one address, a batch of invocations): its address, and what
    its invocations send, in order."""

    __slots__ = ("typename", "id", "messages", "egress")

    def __init__(self, typename: str, id_: str):
        self.typename = typename
        self.id = id_
        #: (target typename, target id, argument typename, argument bytes)
        self.messages: List[Tuple[str, str, str, bytes]] = []
        #: (egress typename, Kafka topic, record value)
        self.egress: List[Tuple[str, str, str]] = []

    def send(self, typename: str, id_: str, value_typename: str, value: bytes) -> None:
        """A message to the function at ``typename``/``id_``."""
        self.messages.append((typename, id_, value_typename, value))

    def send_to_kafka(self, egress: str, topic: str, value: str) -> None:
        """A record on ``topic`` through the Kafka egress ``egress`` (its typename)."""
        self.egress.append((egress, topic, value))


#: An invocation's argument: its typename and its bytes (None when it has no value).
Argument = Tuple[str, Optional[bytes]]
#: ``run(call, values, arguments)``: runs one call's batch of invocations, in order.
#: ``values`` maps each declared value's name to its text (None: no value); the function
#: replaces an entry to write it (None deletes it), and leaves the same object in place for
#: a value it did not change.
Batch = Callable[[Call, Dict[str, Optional[str]], List[Argument]], None]


class Function(NamedTuple):
    """A function type: what runs a call's batch, and its persisted values by name (all
    ``io.statefun.types/string``, never expiring)."""

    run: Batch
    values: Tuple[str, ...] = ()
