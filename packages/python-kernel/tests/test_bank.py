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
