"""Runs one request's whole call chain inside one invocation, optimistically.

Every hop of the chain runs here, in order, with the kernel: the instances it touches
are read from the table once (strongly consistent) and then kept in this invocation, so
later hops see the states earlier hops left. Nothing is written while the chain runs.
At the end, one transaction writes every changed state (version + 1) and the request's
answer, on the condition that every instance read still has the version read. If
another invocation got there first the chain runs again from the start on fresh states
(optimistic concurrency control). So two invocations touching one instance never lose
an update, no lock exists that a crashed invocation could leave behind (a crash before
the commit leaves nothing; the commit is atomic), and a retry with the same request id
finds the answer committed with the state: its commit fails on the answer's condition,
and it returns the stored answer instead of its own (its run had no effect). A call that
changed nothing and read at most one instance commits nothing.
"""
from __future__ import annotations

import random
import sys
import time
from typing import Any, Callable, Dict, Optional

from stateflow_kernel.invocation import error_result, fingerprint, response, run_chain

from .table import AlreadyAnswered, Address, Conflict, Table, TooLarge

#: The reply channel of an answer to a request without a readable ``replyTo``.
CHANNEL = "lambda"


class ChainView:
    """The states one run of a chain has read and written."""

    def __init__(self, table: Table):
        self.table = table
        self.versions: Dict[Address, Optional[int]] = {}
        self.states: Dict[Address, Optional[Dict[str, Any]]] = {}
        self.written: Dict[Address, Dict[str, Any]] = {}

    def get(self, address: Address) -> Optional[Dict[str, Any]]:
        if address not in self.states:
            state, version = self.table.read_instance(address)
            self.states[address] = state
            self.versions[address] = version
        return self.states[address]

    def put(self, address: Address, state: Dict[str, Any]) -> None:
        self.states[address] = state
        self.written[address] = state


class ChainRunner:
    """Runs requests on a kernel (``process(event, state)``) against a :class:`Table`."""

    def __init__(self, process: Callable[[Dict[str, Any], Any], Dict[str, Any]], table: Table,
                 max_hops: int = 10000, max_attempts: int = 50,
                 sleep: Callable[[float], None] = time.sleep):
        self.process = process
        self.table = table
        self.max_hops = max_hops
        self.max_attempts = max_attempts
        self.sleep = sleep
        #: Runs that ended in a conflict and ran again (for tests and metrics).
        self.conflicts = 0

    def run(self, request: Dict[str, Any]) -> Dict[str, Any]:
        """The ``Response`` event of a client request (``Invoke`` or ``Construct``)."""
        request_id = request["requestId"]
        asked = fingerprint(request)
        for attempt in range(self.max_attempts):
            view = ChainView(self.table)
            result = run_chain(self.process, request, view.get, view.put, self.max_hops, CHANNEL)
            if not view.written and len(view.versions) <= 1:
                # Read one instance (one consistent read) and changed nothing: no effect to
                # apply once and nothing to validate, so no transaction. But this may be
                # the retry of a call that did change something: its answer wins.
                return self._answer(request, asked) or result
            try:
                self.table.commit(view.versions, view.written, request_id, asked, result)
                return result
            except AlreadyAnswered:
                # A retry of a committed call (or a concurrent copy that committed first):
                # the stored answer, not this run's. Checked here rather than before
                # running, so first attempts (nearly all calls) pay no extra read.
                answered = self._answer(request, asked)
                if answered is not None:
                    return answered
            except Conflict:
                self.conflicts += 1
                print("stateflow: commit conflict on request %s, running it again" % request_id, file=sys.stderr)
                # Jittered backoff, growing, so contending invocations spread out.
                self.sleep(random.uniform(0, min(0.2, 0.002 * (2 ** min(attempt, 7)))))
            except TooLarge as e:
                return response(request_id, request["replyTo"], _internal(str(e)), CHANNEL)
        return response(request_id, request["replyTo"], _internal(
            "the call could not commit after %d attempts (other calls kept changing the same instances); retry it"
            % self.max_attempts), CHANNEL)

    def _answer(self, request: Dict[str, Any], asked: str) -> Optional[Dict[str, Any]]:
        found = self.table.read_answer(request["requestId"])
        if found is None:
            return None
        answer, prior = found
        if prior and prior != asked:
            return response(request["requestId"], request["replyTo"], error_result(
                "IdempotencyKeyReused", "request id %r was already used for a different call" % request["requestId"],
                "IdempotencyKeyReused"), CHANNEL)
        return dict(answer, replyTo=request["replyTo"])


def _internal(message: str) -> Dict[str, Any]:
    return error_result("Internal", message, "Internal")
