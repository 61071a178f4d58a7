"""The bank fixture of @stateflow/ir: create, jump/branch, invoke, invoke_self and read."""
from __future__ import annotations

import programs
import pytest
from conftest import Router

from stateflow_kernel import Kernel


@pytest.fixture
def bank() -> Router:
    program = programs.bank_fixture()
    if program is None:
        pytest.skip("packages/ir/test/fixtures/bank.ir.json is not published yet")
    return Router(Kernel(program))


def acct(key: str):
    return {"$entity": "Account", "$key": key}


def test_open_savings_with_transfer(bank: Router) -> None:
    bank.create("Account", "ann")
    bank.call("Account", "ann", "deposit", 100)
    bank.hops.clear()
    response = bank.call("Account", "ann", "open_savings", "ann-savings", 30)
    assert response["result"] == {"ok": acct("ann-savings")}
    kinds = [h["event"]["kind"] for h in bank.hops]
    # create → Insert, deposit → Invoke, _record in-line reads the balance → Read
    assert kinds == ["Invoke", "Insert", "Reply", "Invoke", "Reply", "Read", "Reply"]
    read = bank.hops[5]["event"]
    assert [f["method"] for f in read["stack"]] == ["open_savings", "_record"]
    assert bank.state("Account", "ann") == {
        "owner": "ann", "balance": 70, "transfers": 1,
        "history": ["Account('ann-savings') had 30"]}
    assert bank.state("Account", "ann-savings")["balance"] == 30


def test_open_savings_without_transfer_and_duplicate(bank: Router) -> None:
    bank.create("Account", "bo")
    assert bank.call("Account", "bo", "open_savings", "bo-s", 0)["result"] == {"ok": acct("bo-s")}
    assert bank.state("Account", "bo")["history"] == ["Account('bo-s') had 0"]
    err = bank.call("Account", "bo", "open_savings", "bo-s", 0)["result"]["error"]
    assert err["code"] == "EntityExists"
    assert bank.state("Account", "bo")["history"] == ["Account('bo-s') had 0"]


def test_private_method_not_callable(bank: Router) -> None:
    bank.create("Account", "cy")
    err = bank.call("Account", "cy", "_record", acct("cy"))["result"]["error"]
    assert err["code"] == "UnknownMethod"


def test_key_longer_than_any_backend_stores_is_refused(bank: Router) -> None:
    long_key = "k" * 1001
    err = bank.create("Account", long_key)["result"]["error"]
    assert err["code"] == "BadArguments"
    assert "is 1001 bytes long; instance keys are at most 1000 bytes" in err["message"]
    assert bank.create("Account", "é" * 500)["result"] == {"ok": acct("é" * 500)}  # 1000 bytes
    # From inside a method: the create fails, the caller's state is unchanged.
    bank.create("Account", "dee")
    bank.call("Account", "dee", "deposit", 10)
    err = bank.call("Account", "dee", "open_savings", long_key, 5)["result"]["error"]
    assert err["code"] == "BadArguments"
    assert bank.state("Account", "dee")["balance"] == 10


def test_the_compiler_marks_the_transfer_s_return_detached_and_the_callee_answers() -> None:
    program = programs.bank_fixture()
    if program is None:
        pytest.skip("packages/ir/test/fixtures/bank.ir.json is not published yet")
    (account,) = program["entities"]
    transfer = next(m for m in account["methods"] if m["name"] == "transfer")
    assert [b.get("detached", False) for b in transfer["body"]["blocks"]] == [False, True]
    for resume_detached, hops, origin in ((False, ["Invoke", "Invoke", "Reply"], None),
                                          (True, ["Invoke", "Invoke"], {"entity": "Account", "key": "ann"})):
        bank = Router(Kernel(program, resume_detached=resume_detached))
        bank.create("Account", "ann")
        bank.create("Account", "bob")
        bank.call("Account", "ann", "deposit", 100)
        bank.hops.clear()
        response = bank.call("Account", "ann", "transfer", acct("bob"), 30)
        assert response["result"] == {"ok": True}
        assert response.get("origin") == origin
        assert [h["event"]["kind"] for h in bank.hops] == hops
        assert (bank.state("Account", "ann")["balance"], bank.state("Account", "bob")["balance"]) == (70, 30)
