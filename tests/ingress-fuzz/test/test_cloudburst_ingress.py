"""The Cloudburst function's request path (``stateflow_cloudburst``: ``Handler.handle`` with
``parse_request`` and the chain runner, the reply encoded as ``StateflowFunction.run`` does),
with the in-memory store standing in for Anna."""
import json

import pytest

from fuzz_run import DEEP_RECORD, SETUP, fuzz, report, request
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


def test_every_request_gets_a_response_and_the_function_goes_on(function, corpus):
    tally, failures, known = fuzz("cloudburst", corpus, function.ingest)
    print(report(tally, failures, known))
    assert not failures, report(tally, failures, known)
    assert tally.total("error Response") > 0 and tally.total("ok Response") > 0


#: Records that once escaped Handler.handle (found by this fuzzer): now error Responses.
ONCE_CRASHED = [
    pytest.param(DEEP_RECORD, id="nested past the recursion limit"),
    pytest.param(request("crash-2", kind="GetState", target={"entity": "Item", "key": "\ud800"}), id="key with a lone surrogate"),
]


@pytest.mark.parametrize("record", ONCE_CRASHED)
def test_requests_that_once_crashed_the_function_get_an_error_response(function, record):
    [answer] = function.ingest(record)
    assert "error" in json.loads(answer)["result"]
