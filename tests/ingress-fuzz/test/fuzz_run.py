"""The loop every backend's fuzz test runs: feed each record, then a valid request, and
collect what broke (an exception, a hang, a malformed output, a valid request not answered)."""
import json
import traceback
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import pytest

from conftest import REPLY_TO, Hang, Tally, is_answer_to_client, is_dead_letter, parse_output, show, time_limit

def request(rid: str, **fields) -> bytes:
    """A valid-looking client request (JSON, UTF-8)."""
    return json.dumps(dict({"requestId": rid, "seq": 0, "stack": [], "replyTo": REPLY_TO}, **fields)).encode()


#: The request that creates the instance every follow-up calls.
SETUP = request("setup-item", kind="Construct", entity="Item", args=["coke", 1], kwargs={})


def follow_up(i: int) -> Tuple[bytes, str]:
    """The valid request sent after record ``i``, and its requestId."""
    rid = "valid-after-%d" % i
    return request(rid, kind="Invoke", target={"entity": "Item", "key": "coke"}, method="update_stock", args=[1], kwargs={}), rid


#: Feeds one record to a backend's ingress path, runs everything it leads to, and returns
#: the records written to Kafka (Responses and dead letters, as text).
Ingest = Callable[[Optional[bytes]], List[str]]


class Failure:
    def __init__(self, index: int, label: str, record: Optional[bytes], what: str, where: str):
        self.index, self.label, self.record, self.what, self.where = index, label, record, what, where

    def __str__(self) -> str:
        return "record %d (%s) %s\n    at %s\n    input: %s" % (self.index, self.label, self.what, self.where, show(self.record))


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/packages/" in f.filename] or frames
    last, outer = ours[-1], frames[-1]
    where = "%s:%d in %s" % (last.filename.split("/packages/")[-1], last.lineno, last.name)
    return where if outer is last else "%s (in %s:%d)" % (where, outer.filename.rsplit("/", 2)[-1], outer.lineno)


def _outcome(outputs: List[str]) -> str:
    values = [parse_output(t) for t in outputs]
    if not values:
        return "no output"
    for v in values:
        if not (is_dead_letter(v) or is_answer_to_client(v)):
            raise AssertionError("neither a dead letter nor a Response to the client: %s" % (v,))
    if any(is_dead_letter(v) for v in values):
        return "dead letter"
    if any("error" in v["result"] for v in values):
        return "error Response"
    return "ok Response"


#: A crash already reported: (exception type name, a part of where it was raised, the reason).
Known = Tuple[str, str, str]


def fuzz(backend: str, corpus: Sequence[Tuple[str, Optional[bytes]]], ingest: Ingest,
         known: Sequence[Known] = ()) -> Tuple[Tally, List[Failure], Dict[str, List[Failure]]]:
    """Runs the corpus; after each record, :func:`follow_up` must get an ok Response. A crash matching ``known`` (reported, with an xfail
    test of its own) is counted apart instead of failing the run; any other fails it."""
    tally = Tally(backend)
    failures: List[Failure] = []
    known_crashes: Dict[str, List[Failure]] = {}
    for i, (label, record) in enumerate(corpus):
        try:
            with time_limit():
                outputs = ingest(record)
            tally.add(label, _outcome(outputs))
        except Hang as exc:
            failures.append(Failure(i, label, record, "hung: %s" % exc, _where(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - what the test is looking for
            failure = Failure(i, label, record, "raised %s: %s" % (type(exc).__name__, str(exc)[:200]), _where(exc))
            reason = next((r for name, at, r in known if type(exc).__name__ == name and at in failure.where), None)
            if reason is None:
                failures.append(failure)
            else:
                known_crashes.setdefault(reason, []).append(failure)
                tally.add(label, "known crash")
            continue
        valid, request_id = follow_up(i)
        try:
            with time_limit():
                answers = [parse_output(t) for t in ingest(valid)]
        except Exception as exc:  # noqa: BLE001
            failures.append(Failure(i, label, record, "then the valid request raised %s: %s" % (type(exc).__name__, exc), _where(exc)))
            continue
        mine = [a for a in answers if a.get("requestId") == request_id]
        if len(mine) != 1 or "ok" not in mine[0].get("result", {}):
            failures.append(Failure(i, label, record, "then the valid request got %r" % (answers,), "(its answer)"))
    return tally, failures, known_crashes


def report(tally: Tally, failures: List[Failure], known_crashes: Dict[str, List[Failure]]) -> str:
    lines = [tally.summary()]
    for reason, crashes in known_crashes.items():
        lines.append("known crash (%d records): %s; first: %s" % (len(crashes), reason, crashes[0]))
    # One line per distinct failure (what, where), with its first input: the smallest one.
    groups: Dict[Tuple[str, str], List[Failure]] = {}
    for f in failures:
        groups.setdefault((f.what.split(":")[0], f.where), []).append(f)
    for (_, _), group in groups.items():
        first = min(group, key=lambda f: len(f.record or b""))
        lines.append("%d records: %s" % (len(group), first))
    return "\n".join(lines)


# -- crashes found by this fuzzer and reported (each has an xfail test with its input) ------

#: ``[`` nested this deep: past CPython's recursion limit in ``json.loads``.
DEEP_RECORD = b"[" * 100_000 + b"]" * 100_000


def request_with_seq(seq_json: str, **fields) -> bytes:
    """A client request whose ``seq`` is the given JSON text (the rest valid)."""
    event = dict({"requestId": "crash-1", "stack": [], "replyTo": {"channel": "kafka:replies", "id": "fuzz"},
                  "kind": "Construct", "entity": "Item", "args": ["coke", 1], "kwargs": {}}, **fields)
    text = json.dumps(event)
    return ('{"seq": %s, %s' % (seq_json, text[1:])).encode()


#: Records that once crashed a backend's decoder (found by this fuzzer; a regression test
#: each, on every backend): JSON nested past the recursion limit (Flink, Beam, Cloudburst),
#: requests whose seq could not be counted on (Flink, Beam: 4,300 digits, whose seq + 1
#: json.dumps refuses; not a number at all), a key holding a lone surrogate (Cloudburst).
ONCE_CRASHED = [
    pytest.param(DEEP_RECORD, id="nested past the recursion limit"),
    pytest.param(request_with_seq("9" * 4300), id="seq of 4300 digits"),
    pytest.param(request_with_seq("9" * 4300, kind="Reply"), id="rejected, seq of 4300 digits"),
    pytest.param(request_with_seq("null"), id="seq null"),
    pytest.param(request_with_seq('"0"'), id="seq a string"),
    pytest.param(request_with_seq("{}"), id="seq an object"),
    pytest.param(request("crash-2", kind="GetState", target={"entity": "Item", "key": "\ud800"}), id="key with a lone surrogate"),
]
