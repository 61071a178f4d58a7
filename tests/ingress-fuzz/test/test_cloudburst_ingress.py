"""The Cloudburst function's request path (``stateflow_cloudburst``: ``Handler.handle`` with
``parse_request`` and the chain runner, the reply encoded as ``StateflowFunction.run`` does),
with the in-memory store standing in for Anna."""
import json

import pytest

from fuzz_run import DEEP_RECORD, SETUP, crash_cases, fuzz, report, request
from stateflow_cloudburst.function import Handler
from stateflow_cloudburst.store import MemoryStore
from stateflow_kernel import Kernel


class Function:
    def __init__(self, program):
        self.handler = Handler(Kernel(program), "fuzz|")
        self.store = MemoryStore()

    def ingest(self, record):
        # The gateway hands the function the body as text (decoded with errors="replace").
        text = record.decode("utf-8", "replace") if record is not None else ""
        return [json.dumps(self.handler.handle(text, self.store), separators=(",", ":"))]


@pytest.fixture
def function(program):
    function = Function(program)
    function.ingest(SETUP)
    return function


#: Crashes this fuzzer found (reported; the fix is the backend's): Handler.handle catches only
#: BadRequest around parse_request, so anything else parse_request raises escapes the function.
KNOWN = [
    ("RecursionError", "in parse_request",
     "JSON nested ~1,000 deep: parse_request's json.loads raises RecursionError (not ValueError, not BadRequest)"),
    ("UnicodeEncodeError", "in parse_request",
     "a target key with a lone surrogate (JSON \"\\ud800\"): parse_request's key.encode('utf-8') raises UnicodeEncodeError"),
]


def test_every_request_gets_a_response_and_the_function_goes_on(function, corpus):
    tally, failures, known = fuzz("cloudburst", corpus, function.ingest, KNOWN)
    print(report(tally, failures, known))
    assert not failures, report(tally, failures, known)
    assert tally.total("error Response") > 0 and tally.total("ok Response") > 0


CRASHES = crash_cases(KNOWN, [
    ("nested past the recursion limit", 0, DEEP_RECORD),
    ("key with a lone surrogate", 1, request("crash-2", kind="GetState", target={"entity": "Item", "key": "\ud800"})),
])


@pytest.mark.parametrize("record", CRASHES)
def test_requests_that_crashed_the_function_get_a_bad_request_response(function, record):
    """Crashes this fuzzer found (reported; the fix is the backend's)."""
    [answer] = function.ingest(record)
    assert json.loads(answer)["result"]["error"]["code"] == "BadArguments"
