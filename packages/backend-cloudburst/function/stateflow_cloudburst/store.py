"""Where the function keeps instance states and answers: Anna, through Cloudburst.

Keys (one namespace per deployment, ``<name>|``):

- ``<name>|e|<Entity>|<key>``: an instance's state, the IR's JSON encoding as text,
- ``<name>|r|<requestId>``: the answer of a call that changed state,
  ``{"fp": <fingerprint>, "response": <Response event>}`` as text.

Values are Cloudburst ``STRING`` values in last-writer-wins lattices: UTF-8 text, never
a pickle. Anna merges concurrent writes of one key by timestamp (last writer wins).
"""
import time
from typing import Dict, Iterable, Optional


def state_key(prefix: str, entity: str, key: str) -> str:
    return "%se|%s|%s" % (prefix, entity, key)


def answer_key(prefix: str, request_id: str) -> str:
    return "%sr|%s" % (prefix, request_id)


class MemoryStore:
    """A dict standing in for Anna (tests, and the reference for what AnnaStore does)."""

    def __init__(self) -> None:
        self.data = {}  # type: Dict[str, str]
        self.gets = 0
        self.puts = 0

    def get_many(self, keys: Iterable[str]) -> Dict[str, Optional[str]]:
        self.gets += 1
        return {k: self.data.get(k) for k in keys}

    def put_many(self, values: Dict[str, str]) -> None:
        self.puts += 1
        self.data.update(values)


class AnnaStore:
    """Anna through the executor's user library ``cb``: several keys per round trip."""

    _last_ts = 0

    def __init__(self, cb) -> None:
        self.cb = cb

    def get_many(self, keys: Iterable[str]) -> Dict[str, Optional[str]]:
        keys = list(keys)
        # The user library sends one request per key and waits for all of them together.
        found = self.cb.get(keys)
        return {k: found.get(k) for k in keys}

    def put_many(self, values: Dict[str, str]) -> None:
        if not values:
            return
        from anna.lattices import LWWPairLattice
        from cloudburst.shared.serializer import Serializer

        serializer = Serializer()
        keys = list(values)
        # Microsecond timestamps, increasing within this executor: Cloudburst's own
        # (``cb.put``) count tenths of a second, so two writes of one key in the same
        # tenth would tie. Ties are still possible between executors (see the docs).
        ts = max(AnnaStore._last_ts + 1, int(time.time() * 1000000))
        AnnaStore._last_ts = ts
        lattices = [LWWPairLattice(ts, serializer.dump(values[k])) for k in keys]
        results = self.cb.anna_client.put(keys, lattices)
        failed = [k for k in keys if not (results or {}).get(k)]
        if failed:
            raise StoreError("Anna did not store %d of %d keys (first: %r)" % (len(failed), len(keys), failed[0]))


class StoreError(Exception):
    """Anna refused or lost a write; the call's answer is an error (nothing is retried here)."""
