"""Statefun's request-reply protocol (3.3), served for the functions of ``functions.py``.

Statefun's runtime POSTs a ``ToFunction`` (one address, its declared persisted values, a
batch of invocations) and reads back a ``FromFunction``: the state mutations, the messages
to other functions and the egress records of the whole batch, or, when the runtime did not
send a declared value (it learns the declared values this way, at the first call of a
function type), an ``IncompleteInvocationContext`` naming the missing ones; the runtime
then sends the batch again with them.

The request is parsed with the SDK's own protobuf class (``statefun.request_reply_pb2``);
only the per-call work around it is ours. The SDK's ``RequestReplyHandler`` builds, for
every call, a context, a storage object with a cell per value, a ``Message`` per invocation,
a typed value per write, message and egress record, and copies each into the reply: about
a fifth of a call's CPU. Here a call parses the ``ToFunction`` once, hands the function its
address, its values as text and each invocation's type and bytes, and writes the reply's
bytes itself (``from_function.py``). The runtime gets what the SDK would send: the same
fields, the same typenames, a mutation only for a value the batch changed (``DELETE`` for
one it removed), and the same missing-value specs (no expiration).
"""
from __future__ import annotations

import asyncio
from typing import Dict, List, Optional

from statefun.request_reply_pb2 import FromFunction, ToFunction

from . import from_function, string_type
from .calls import Call, Function

_NO_EXPIRATION = FromFunction.ExpirationSpec.NONE


class RequestReplyHandler:
    """Answers the runtime's calls for ``functions`` (function typename -> :class:`Function`)."""

    def __init__(self, functions: Dict[str, Function]):
        self.functions = functions

    async def handle_async(self, body: bytes) -> bytes:
        return self.handle(body)

    def handle_sync(self, body: bytes) -> bytes:
        return asyncio.run(self.handle_async(body))

    def handle(self, body: bytes) -> bytes:
        """The ``FromFunction`` (bytes) for a ``ToFunction`` (bytes). Raises on a request it
        cannot serve (an unknown function type, a value of another type): the runtime then
        retries the call, as with the SDK."""
        request = ToFunction()
        request.ParseFromString(body)
        batch = request.invocation
        target = batch.target
        typename = target.namespace + "/" + target.type
        function = self.functions.get(typename)
        if function is None:
            raise ValueError("Unable to find a function of type %s" % typename)
        names = function.values
        received: Dict[str, Optional[str]] = {}
        if names:
            for value in batch.state:
                name = value.state_name
                if name in names:
                    received[name] = _text_of(value.state_value)
            if len(received) < len(names):
                return _missing([name for name in names if name not in received])
        values = dict(received)
        call = Call(typename, target.id)
        arguments = []
        for invocation in batch.invocations:
            argument = invocation.argument
            arguments.append((argument.typename, argument.value if argument.has_value else None))
        function.run(call, values, arguments)
        return from_function.reply(call, names, received, values)


def _text_of(value) -> Optional[str]:
    if not value.has_value:
        return None
    if value.typename != string_type.TYPENAME:
        raise TypeError("Type mismatch: type %s (remote), yet it is specified locally as %s" % (value.typename, string_type.TYPENAME))
    return string_type.deserialize(value.value)


def _missing(names: List[str]) -> bytes:
    reply = FromFunction()
    missing = reply.incomplete_invocation_context.missing_values
    for name in names:
        spec = missing.add()
        spec.state_name = name
        spec.type_typename = string_type.TYPENAME
        spec.expiration_spec.mode = _NO_EXPIRATION
    return reply.SerializeToString()
