"""Shared fixtures of the ingress fuzz tests: the corpus, the program, a time limit per record.

The backends' Python packages and the kernel are on ``PYTHONPATH`` (``scripts/run-pytest.mjs``
resolves them from the workspace); ``STATEFLOW_FUZZ_PROGRAM`` names the shop program's IR.
"""
import contextlib
import json
import os
import signal
from typing import Any, Iterator, List, Optional, Tuple

import pytest

from fuzz_corpus import REPLY_TO, records  # noqa: F401 - REPLY_TO for the tests

#: The corpus is the same on every run: a failure is reproduced by its index.
SEED = int(os.environ.get("STATEFLOW_FUZZ_SEED", "20261206"))
#: Records per backend (each followed by a valid request).
COUNT = int(os.environ.get("STATEFLOW_FUZZ_RECORDS", "2400"))
#: No record may take more CPU time than this to decode and run (a hang fails the test).
#: CPU time, not wall time: a loaded CI machine slows every record, a loop spins anyway.
RECORD_CPU_SECONDS = 2.0


class Hang(Exception):
    """A record took more than ``RECORD_CPU_SECONDS`` of CPU time."""


@contextlib.contextmanager
def time_limit(seconds: float = RECORD_CPU_SECONDS) -> Iterator[None]:
    """Raises :class:`Hang` in this (the main) thread when the block uses more than ``seconds`` of CPU."""

    def expire(_signum, _frame):
        raise Hang("no result after %.1f s of CPU time" % seconds)

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


@pytest.fixture(scope="session")
def corpus() -> List[Tuple[str, Optional[bytes]]]:
    return list(records(SEED, COUNT))


@pytest.fixture(scope="session")
def program() -> dict:
    with open(os.environ["STATEFLOW_FUZZ_PROGRAM"], encoding="utf-8") as f:
        return json.load(f)


def show(record: Optional[bytes]) -> str:
    """A record, short enough for a failure message."""
    text = repr(record)
    return text if len(text) <= 300 else "%s… (%d bytes)" % (text[:300], len(record or b""))


def parse_output(text: Any) -> dict:
    """An output record: JSON text that a Kafka producer can encode; returns it parsed."""
    assert isinstance(text, str), "output is %s, not text" % type(text).__name__
    text.encode("utf-8")  # a lone surrogate here would fail the producer, not the decoder
    value = json.loads(text)
    assert isinstance(value, dict), "output is not a JSON object: %s" % text[:200]
    return value


def is_dead_letter(value: dict) -> bool:
    return isinstance(value.get("reason"), str) and "record" in value


def is_answer_to_client(value: dict) -> bool:
    """A Response to the client (its replyTo as sent, extra fields and all), with an ``ok``
    or an ``error`` {type, message}."""
    if value.get("kind") != "Response" or not isinstance(value.get("replyTo"), dict):
        return False
    result = value.get("result")
    if not isinstance(result, dict):
        return False
    if "ok" in result:
        return True
    error = result.get("error")
    return isinstance(error, dict) and isinstance(error.get("type"), str) and isinstance(error.get("message"), str)


class Tally:
    """What the records became, by kind of damage; printed at the end of a test (``-s``)."""

    def __init__(self, backend: str):
        self.backend = backend
        self.counts = {}  # type: dict

    def add(self, label: str, outcome: str) -> None:
        key = (label, outcome)
        self.counts[key] = self.counts.get(key, 0) + 1

    def total(self, outcome: str) -> int:
        return sum(n for (_, o), n in self.counts.items() if o == outcome)

    def summary(self) -> str:
        outcomes = sorted({o for _, o in self.counts})
        return "%s: %s" % (self.backend, ", ".join("%d %s" % (self.total(o), o) for o in outcomes))
