"""Detached continuations: ``Kernel(program, resume_detached=True)`` runs a caller's
block that needs no instance where the value is produced, and answers with ``origin``."""
from __future__ import annotations

import copy
import json
from typing import Any, Dict, List, Optional

import pytest

import programs
from conftest import Router
from stateflow_kernel import Kernel
from stateflow_kernel.local_route import run_routed
from stateflow_kernel.wire import compact_result, decode_event, reply_index

SOURCE = '''
from stateflow import stateflow


class Refused(Exception):
    pass


@stateflow
class Account:
    def __init__(self, name: str):
        self.name = name
        self.balance = 0

    def __key__(self):
        return self.name

    def deposit(self, amount: int) -> int:
        if amount < 0:
            raise Refused("negative amount %d" % amount)
        self.balance += amount
        return self.balance

    def transfer(self, to, amount):        # b0: to.deposit(amount); b1: return True
        ...

    def balance_after(self, to, amount):   # b0: to.deposit(amount); b1: return self.balance
        ...

    def relay(self, via, to, amount):      # b0: via.transfer(to, amount); b1: return ok
        ...

    def relay_balance(self, via, to, amount):  # b0: via.balance_after(to, amount); b1: return r
        ...

    def capped(self, to, amount):          # b0: to.deposit(amount); b1 raises over 100
        ...

    def two_steps(self, to, amount):       # b0: to.deposit(amount); b1 (detached) jumps to b2 (not)
        ...

    def calls_again(self, to, amount):     # b0: to.deposit(amount); b1 (marked detached) invokes
        ...


def __sf_Account__transfer__b0(self, __sf_env):
    to = __sf_env['to']
    amount = __sf_env['amount']
    return ('invoke', to, 'deposit', [amount], {}, 'b1', '__sf_t0', {})


def __sf_Account__transfer__b1(self, __sf_env):
    __sf_t0 = __sf_env['__sf_t0']
    return ('return', True)


def __sf_Account__balance_after__b0(self, __sf_env):
    to = __sf_env['to']
    amount = __sf_env['amount']
    return ('invoke', to, 'deposit', [amount], {}, 'b1', '__sf_t0', {})


def __sf_Account__balance_after__b1(self, __sf_env):
    __sf_t0 = __sf_env['__sf_t0']
    return ('return', self.balance)


def __sf_Account__relay__b0(self, __sf_env):
    via = __sf_env['via']
    to = __sf_env['to']
    amount = __sf_env['amount']
    return ('invoke', via, 'transfer', [to, amount], {}, 'b1', '__sf_t0', {'amount': amount})


def __sf_Account__relay__b1(self, __sf_env):
    amount = __sf_env['amount']
    __sf_t0 = __sf_env['__sf_t0']
    return ('return', [__sf_t0, amount])


def __sf_Account__relay_balance__b0(self, __sf_env):
    via = __sf_env['via']
    to = __sf_env['to']
    amount = __sf_env['amount']
    return ('invoke', via, 'balance_after', [to, amount], {}, 'b1', '__sf_t0', {})


def __sf_Account__relay_balance__b1(self, __sf_env):
    __sf_t0 = __sf_env['__sf_t0']
    return ('return', __sf_t0)


def __sf_Account__capped__b0(self, __sf_env):
    to = __sf_env['to']
    amount = __sf_env['amount']
    return ('invoke', to, 'deposit', [amount], {}, 'b1', '__sf_t0', {})


def __sf_Account__capped__b1(self, __sf_env):
    __sf_t0 = __sf_env['__sf_t0']
    if __sf_t0 > 100:
        raise Refused("over the cap: %d" % __sf_t0)
    return ('return', __sf_t0)


def __sf_Account__two_steps__b0(self, __sf_env):
    to = __sf_env['to']
    amount = __sf_env['amount']
    return ('invoke', to, 'deposit', [amount], {}, 'b1', '__sf_t0', {})


def __sf_Account__two_steps__b1(self, __sf_env):
    __sf_t0 = __sf_env['__sf_t0']
    return ('jump', 'b2', {'__sf_t0': __sf_t0})


def __sf_Account__two_steps__b2(self, __sf_env):
    __sf_t0 = __sf_env['__sf_t0']
    return ('return', (self.name, __sf_t0))


def __sf_Account__calls_again__b0(self, __sf_env):
    to = __sf_env['to']
    amount = __sf_env['amount']
    return ('invoke', to, 'deposit', [amount], {}, 'b1', '__sf_t0', {'to': to})


def __sf_Account__calls_again__b1(self, __sf_env):
    to = __sf_env['to']
    __sf_t0 = __sf_env['__sf_t0']
    return ('invoke', to, 'deposit', [1], {}, 'b2', '__sf_t1', {})


def __sf_Account__calls_again__b2(self, __sf_env):
    __sf_t1 = __sf_env['__sf_t1']
    return ('return', __sf_t1)
'''

# Per split method: its parameters and, per block, whether the IR marks it detached.
SPLIT = {
    "transfer": (["to", "amount"], {"b0": False, "b1": True}),
    "balance_after": (["to", "amount"], {"b0": False, "b1": False}),
    "relay": (["via", "to", "amount"], {"b0": False, "b1": True}),
    "relay_balance": (["via", "to", "amount"], {"b0": False, "b1": True}),
    "capped": (["to", "amount"], {"b0": False, "b1": True}),
    "two_steps": (["to", "amount"], {"b0": False, "b1": True, "b2": False}),
    # Mis-marked on purpose: the kernel must not trust a detached block to end the chain.
    "calls_again": (["to", "amount"], {"b0": False, "b1": True, "b2": False}),
}


def detached_program(flags: bool = True) -> Dict[str, Any]:
    """The program above; ``flags=False`` leaves out every ``detached`` (IR before it)."""
    methods = [programs.method("deposit", params=["amount"])]
    for name, (params, blocks) in SPLIT.items():
        m = programs.method(name, params=params,
                            blocks=["__sf_Account__%s__%s" % (name, b) for b in blocks])
        for block in m["body"]["blocks"]:
            if flags and blocks[block["id"]]:
                block["detached"] = True
        methods.append(m)
    return programs.program("detached_bank", SOURCE, [programs.entity("Account", methods)])


def ref(key: str) -> Dict[str, str]:
    return {"$entity": "Account", "$key": key}


class Recorder(Router):
    """A router that also remembers which instance produced each event."""

    def run(self, event: Dict[str, Any]) -> Dict[str, Any]:
        queue = [(event, None)]
        responses = []
        while queue:
            ev, _ = queue.pop(0)
            if ev["kind"] == "Response":
                responses.append(ev)
                continue
            result = self.hop(ev)
            queue.extend((e, ev.get("target")) for e in result["out"])
        assert len(responses) == 1, responses
        return responses[0]

    def produced_at(self, kind: str) -> List[Optional[Dict[str, str]]]:
        """The target of every hop that emitted an event of ``kind``."""
        return [h["event"].get("target") for h in self.hops
                if any(e["kind"] == kind for e in h["result"]["out"])]


def bank(resume_detached: bool, flags: bool = True) -> Recorder:
    router = Recorder(Kernel(detached_program(flags), resume_detached=resume_detached))
    for name in ("ann", "bob", "cy"):
        router.create("Account", name)
    router.hops.clear()
    return router


def test_a_transfer_is_answered_at_the_callee_with_origin() -> None:
    on = bank(True)
    response = on.call("Account", "ann", "transfer", ref("bob"), 5)
    assert response["result"] == {"ok": True}
    assert response["origin"] == {"entity": "Account", "key": "ann"}
    assert [h["event"]["kind"] for h in on.hops] == ["Invoke", "Invoke"]
    assert on.produced_at("Response") == [{"entity": "Account", "key": "bob"}]
    assert on.state("Account", "bob")["balance"] == 5

    off = bank(False)
    plain = off.call("Account", "ann", "transfer", ref("bob"), 5)
    assert [h["event"]["kind"] for h in off.hops] == ["Invoke", "Invoke", "Reply"]
    assert "origin" not in plain
    # One event less, so the Response's seq is one lower; everything else is the same.
    assert response["seq"] == plain["seq"] - 1
    assert {k: v for k, v in response.items() if k not in ("origin", "seq")} == \
        {k: v for k, v in plain.items() if k != "seq"}


def test_two_detached_frames_give_one_response_from_the_last_callee() -> None:
    on = bank(True)
    response = on.call("Account", "ann", "relay", ref("bob"), ref("cy"), 7)
    assert response["result"] == {"ok": [True, 7]}
    assert response["origin"] == {"entity": "Account", "key": "ann"}
    assert [h["event"]["kind"] for h in on.hops] == ["Invoke", "Invoke", "Invoke"]
    assert on.produced_at("Response") == [{"entity": "Account", "key": "cy"}]
    assert on.state("Account", "cy")["balance"] == 7

    off = bank(False)
    assert off.call("Account", "ann", "relay", ref("bob"), ref("cy"), 7)["result"] == response["result"]
    assert len(off.hops) == 5


def test_a_frame_whose_block_uses_self_gets_the_reply() -> None:
    on = bank(True)
    on.call("Account", "bob", "deposit", 40)
    on.hops.clear()
    response = on.call("Account", "ann", "relay_balance", ref("bob"), ref("cy"), 3)
    # bob's continuation reads self.balance, so cy replies to bob; bob's value then
    # runs ann's detached block at bob.
    assert response["result"] == {"ok": 40}
    assert response["origin"] == {"entity": "Account", "key": "ann"}
    kinds = [(h["event"]["kind"], h["event"]["target"]["key"]) for h in on.hops]
    assert kinds == [("Invoke", "ann"), ("Invoke", "bob"), ("Invoke", "cy"), ("Reply", "bob")]
    assert on.produced_at("Response") == [{"entity": "Account", "key": "bob"}]


@pytest.mark.parametrize("method", ["capped", "two_steps", "calls_again"])
def test_a_detached_run_that_cannot_finish_falls_back_to_the_reply(method: str) -> None:
    # capped raises at 500, two_steps jumps to a block using self, calls_again invokes.
    on, off = bank(True), bank(False)
    response = on.call("Account", "ann", method, ref("bob"), 500)
    expected = off.call("Account", "ann", method, ref("bob"), 500)
    assert response == expected
    assert "origin" not in response
    assert [h["event"] for h in on.hops] == [h["event"] for h in off.hops]
    assert on.hops[2]["event"]["kind"] == "Reply"
    assert on.hops[2]["event"]["target"] == {"entity": "Account", "key": "ann"}
    assert on.produced_at("Response") == [{"entity": "Account", "key": "ann"}]
    if method == "capped":
        assert response["result"]["error"]["type"] == "Refused"
    assert on.store == off.store


def test_a_detached_block_that_succeeds_under_its_cap_runs_at_the_callee() -> None:
    on = bank(True)
    response = on.call("Account", "ann", "capped", ref("bob"), 50)
    assert response["result"] == {"ok": 50}
    assert response["origin"] == {"entity": "Account", "key": "ann"}
    assert len(on.hops) == 2


def test_errors_never_run_detached() -> None:
    on, off = bank(True), bank(False)
    response = on.call("Account", "ann", "transfer", ref("bob"), -1)
    assert response == off.call("Account", "ann", "transfer", ref("bob"), -1)
    assert response["result"]["error"] == {"type": "Refused", "message": "negative amount -1"}
    assert "origin" not in response
    assert [h["event"]["kind"] for h in on.hops] == ["Invoke", "Invoke", "Reply"]


def test_a_client_call_without_frames_has_no_origin() -> None:
    on = bank(True)
    response = on.call("Account", "ann", "deposit", 4)
    assert response["result"] == {"ok": 4} and "origin" not in response


SCENARIOS = [
    ("transfer", [ref("bob"), 5]),
    ("transfer", [ref("bob"), -1]),
    ("relay", [ref("bob"), ref("cy"), 7]),
    ("relay_balance", [ref("bob"), ref("cy"), 3]),
    ("capped", [ref("bob"), 500]),
    ("two_steps", [ref("bob"), 2]),
    ("calls_again", [ref("bob"), 2]),
    ("transfer", ["not a reference", 1]),
]


def _transcript(kernel: Kernel) -> List[str]:
    """Every hop's request and result text over SCENARIOS, through the JSON path."""
    router = Router(kernel)
    for name in ("ann", "bob", "cy"):
        router.create("Account", name)
    for method, args in SCENARIOS:
        router.call("Account", "ann", method, *copy.deepcopy(args))
    return [json.dumps(h, sort_keys=False) for h in router.hops]


def test_with_the_option_off_the_flags_change_no_output() -> None:
    before = _transcript(Kernel(detached_program(flags=False)))
    assert _transcript(Kernel(detached_program(flags=True))) == before
    assert _transcript(Kernel(detached_program(flags=True), resume_detached=False)) == before
    # Programs without flags (every compiled program before IR 0.2.1) run as before
    # with the option on.
    assert _transcript(Kernel(detached_program(flags=False), resume_detached=True)) == before


def test_the_shop_runs_the_same_with_the_option_on() -> None:
    off = Router(Kernel(programs.shop_program()))
    on = Router(Kernel(programs.shop_program(), resume_detached=True))
    for router in (off, on):
        router.create("Item", "coke", 2)
        router.call("Item", "coke", "update_stock", 10)
        router.create("User", "ann")
        router.call("User", "ann", "update_balance", 100)
        router.call("User", "ann", "buy_item", 3, {"$entity": "Item", "$key": "coke"})
    assert [h["result"] for h in on.hops] == [h["result"] for h in off.hops]


def test_local_routing_carries_the_detached_response_out() -> None:
    router = bank(True)
    held = dict(router.store)
    event = router.request("Invoke", target={"entity": "Account", "key": "ann"},
                           method="relay", args=[ref("bob"), ref("cy"), 7], kwargs={})
    results, local = run_routed(router.kernel.process, held, [{"event": event, "held": True}],
                                {"maxLocal": 100})
    assert results[0]["out"] == []
    assert local["count"] == 2  # bob's and cy's Invoke; no Reply hop
    (response,) = local["out"]
    assert response["kind"] == "Response" and response["result"] == {"ok": [True, 7]}
    assert response["origin"] == {"entity": "Account", "key": "ann"}
    assert held[("Account", "cy")]["balance"] == 7


def test_chained_batches_and_compact_results_keep_the_origin() -> None:
    router = bank(True)
    kernel = router.kernel
    call = router.request("Invoke", target={"entity": "Account", "key": "ann"},
                          method="transfer", args=[ref("bob"), 5], kwargs={})
    (first,) = json.loads(kernel.process_batch_json(json.dumps(
        [{"event": call, "state": router.state("Account", "ann")}])))
    (deposit,) = first["out"]
    # The callee's event twice in one batch: the second runs on the state the first left.
    again = dict(deposit, requestId="r-again")
    second = json.loads(kernel.process_batch_json(json.dumps([
        {"event": deposit, "state": router.state("Account", "bob")},
        {"event": again, "chained": True}])))
    assert [r["state"]["balance"] for r in second] == [5, 10]
    for r, request_id in zip(second, ("r%d" % router._n, "r-again")):
        (response,) = r["out"]
        assert response["requestId"] == request_id
        assert response["origin"] == {"entity": "Account", "key": "ann"}

    # The compact form of the host frames carries the origin as two more fields of the
    # Response list, and reads back the same event.
    reply_tos = [deposit["replyTo"]]
    event = decode_event(deposit, reply_tos)
    event["replyTo"] = reply_tos[0]
    result = kernel.process(event, router.state("Account", "bob"))
    (events, _state) = compact_result(event, result, reply_index(reply_tos))
    (wire,) = json.loads(json.dumps(events))
    assert wire[0] == 2 and wire[-2:] == ["Account", "ann"]
    assert decode_event(wire, reply_tos) == result["out"][0]
