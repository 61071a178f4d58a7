"""Runs one request's whole call chain inside one Cloudburst function call.

Every hop runs here, in order, with the kernel. The instances the chain touches are read
from Anna once (the request's own target together with its answer record, in one round
trip) and kept for the rest of the chain, so later hops see what earlier hops left.
Nothing is written while the chain runs; at the end every changed state and the answer
are written together (one round trip). A request id that already has an answer gets the
stored answer (a retry), or an ``IdempotencyKeyReused`` error when it asked for
something else.

Anna has no conditional write, so this is not optimistic concurrency as on Lambda: two
chains touching one instance at the same time may lose one's update. Local mode runs one
executor thread, so calls run one at a time there and nothing is lost; the docs say what
this means on a cluster.
"""
import json
from typing import Any, Callable, Dict, Optional

from stateflow_kernel.invocation import Address, error_result, fingerprint, response, run_chain

from .store import answer_key, state_key

#: The reply channel of an answer to a request without a readable ``replyTo``.
CHANNEL = "cloudburst"


class ChainRunner:
    def __init__(self, process: Callable[[Dict[str, Any], Any], Dict[str, Any]], prefix: str,
                 max_hops: int = 10000) -> None:
        self.process = process
        self.prefix = prefix
        self.max_hops = max_hops

    def run(self, request: Dict[str, Any], store) -> Dict[str, Any]:
        """The ``Response`` event of a client request (``Invoke`` or ``Construct``)."""
        request_id = request["requestId"]
        asked = fingerprint(request)
        states = {}  # type: Dict[Address, Optional[Dict[str, Any]]]
        written = {}  # type: Dict[Address, Dict[str, Any]]
        akey = answer_key(self.prefix, request_id)
        first = _address(request)
        keys = [akey] + ([state_key(self.prefix, *first)] if first else [])
        found = store.get_many(keys)
        stored = found.get(akey)
        if stored is not None:
            return self._stored_answer(request, asked, stored)
        if first:
            states[first] = _decode_state(found.get(keys[1]))

        def get(address: Address) -> Optional[Dict[str, Any]]:
            if address not in states:
                states[address] = _decode_state(store.get_many([state_key(self.prefix, *address)]).get(
                    state_key(self.prefix, *address)))
            return states[address]

        def put(address: Address, state: Dict[str, Any]) -> None:
            states[address] = state
            written[address] = state

        result = run_chain(self.process, request, get, put, self.max_hops, CHANNEL)
        if written:
            values = {state_key(self.prefix, *a): json.dumps(s, separators=(",", ":")) for a, s in written.items()}
            values[akey] = json.dumps({"fp": asked, "response": result}, separators=(",", ":"))
            store.put_many(values)
        return result

    def _stored_answer(self, request: Dict[str, Any], asked: str, stored: str) -> Dict[str, Any]:
        record = json.loads(stored)
        if record.get("fp") != asked:
            return response(request["requestId"], request["replyTo"], error_result(
                "IdempotencyKeyReused", "request id %r was already used for a different call" % request["requestId"],
                "IdempotencyKeyReused"), CHANNEL)
        return dict(record["response"], replyTo=request["replyTo"])


def _address(event: Dict[str, Any]) -> Optional[Address]:
    target = event.get("target")
    return (target["entity"], target["key"]) if target else None


def _decode_state(text: Optional[str]) -> Optional[Dict[str, Any]]:
    return None if text is None else json.loads(text)
