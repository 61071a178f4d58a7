"""Hand-written compiled programs for the kernel tests (what the compiler will emit)."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SHOP_SOURCE_PATH = os.path.join(ROOT, "examples", "shop", "app.py")
SHOP_IR_FIXTURE = os.path.join(ROOT, "packages", "ir", "test", "fixtures", "shop.ir.json")
VALUES_FIXTURE = os.path.join(ROOT, "packages", "ir", "test", "fixtures", "values.json")

ANY = {"kind": "Any"}

SHOP_BLOCKS = '''

def __sf_User__buy_item__b0(self, __sf_env):
    amount = __sf_env['amount']
    item = __sf_env['item']
    return ('read', item, 'price', 'b1', '__sf_t0', {'amount': amount, 'item': item})


def __sf_User__buy_item__b1(self, __sf_env):
    amount = __sf_env['amount']
    item = __sf_env['item']
    __sf_t0 = __sf_env['__sf_t0']
    total_price = amount * __sf_t0
    if self.balance < total_price:
        return ('return', False)
    return ('invoke', item, 'update_stock', [-amount], {}, 'b2', '__sf_t1',
            {'total_price': total_price, 'item': item})


def __sf_User__buy_item__b2(self, __sf_env):
    total_price = __sf_env['total_price']
    item = __sf_env['item']
    __sf_t1 = __sf_env['__sf_t1']
    self.balance -= total_price
    self.items.append(item)
    return ('return', True)
'''


def method(name: str, writes: bool = True, blocks: Optional[List[str]] = None,
           params: Optional[List[str]] = None) -> Dict[str, Any]:
    body: Dict[str, Any] = {"kind": "SimpleBody"}
    if blocks:
        body = {
            "kind": "SplitBody",
            "entry": blocks[0].split("__")[-1],
            "blocks": [
                {"kind": "Block", "id": b.split("__")[-1], "function": b, "params": [],
                 "mayReturn": True, "terminator": {"kind": "Return", "loc": "synthetic"},
                 "loc": "synthetic"}
                for b in blocks
            ],
        }
    return {
        "kind": "Method", "name": name, "returns": ANY, "writes": writes, "loc": "synthetic",
        "params": [{"kind": "Param", "name": p, "type": ANY, "mode": "positional-or-keyword",
                    "loc": "synthetic"} for p in (params or [])],
        "body": body,
    }


def entity(name: str, methods: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {
        "kind": "EntityClass", "name": name, "loc": "synthetic",
        "key": {"method": "__key__", "type": {"kind": "Str"}}, "fields": [],
        "init": method("__init__"), "methods": methods,
    }


def program(name: str, source: str, entities: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {
        "kind": "Program", "irVersion": "0.1.0",
        "module": {"kind": "PythonModule", "name": name, "path": name + ".py", "source": source},
        "entities": entities,
    }


def shop_program() -> Dict[str, Any]:
    """The shop example with hand-written blocks for ``User.buy_item``."""
    with open(SHOP_SOURCE_PATH, encoding="utf-8") as f:
        source = f.read() + SHOP_BLOCKS
    return program("app", source, [
        entity("Item", [method("update_stock", params=["amount"])]),
        entity("User", [
            method("update_balance", params=["x"]),
            method("buy_item", blocks=[
                "__sf_User__buy_item__b0", "__sf_User__buy_item__b1", "__sf_User__buy_item__b2",
            ], params=["amount", "item"]),
        ]),
    ])


def shop_fixture() -> Optional[Dict[str, Any]]:
    """The compiler's shop program, once ``packages/ir`` publishes it."""
    if not os.path.exists(SHOP_IR_FIXTURE):
        return None
    with open(SHOP_IR_FIXTURE, encoding="utf-8") as f:
        return json.load(f)


# A program exercising in-line self calls, in-line creation, private methods and
# float coercion. Blocks follow the calling convention by hand.
GRAPH_SOURCE = '''
from typing import List

from stateflow import stateflow, EntityRef


class Boom(Exception):
    pass


@stateflow
class Node:
    def __init__(self, name: str, weight: float = 1.0):
        if name == "":
            raise ValueError("a node needs a name")
        self.name: str = name
        self.weight: float = weight
        self.children: List["Node"] = []
        self.log: List[str] = []

    def __key__(self):
        return self.name

    def get_weight(self) -> float:
        return self.weight

    def scale(self, factor: float) -> float:
        self.weight = self.weight * factor
        return self.weight

    def explode(self, message: str) -> None:
        self.weight = -1.0
        raise Boom(message)

    def peek(self) -> int:
        return len(self.children)

    def _secret(self) -> int:
        return 42

    def add_child(self, name: str) -> "Node":
        child = Node(name, 2)
        self.children.append(child)
        return child

    def child_weights(self) -> float:
        total = 0.0
        for c in self.children:
            total += c.get_weight()
        return total

    def _collect(self, extra: float) -> float:
        # split: reads the first child's weight remotely
        first = self.children[0]
        w = first.weight
        self.log.append("collect")
        return w + extra

    def summary(self, extra: float = 0.5) -> float:
        # split: calls the split self method _collect, then the simple self method peek
        n = self.peek()
        s = self._collect(extra)
        self.log.append("summary")
        return s + n

    def poke_child(self, message: str) -> str:
        # split: remote call that raises in the child
        self.log.append("poke")
        self.children[0].explode(message)
        return "unreachable"

    def print_and_return(self) -> str:
        print("hello from user code")
        return "printed"

    def bad_return(self):
        return object()

    def misuse(self, other: "Node") -> float:
        return other.weight  # not compiled as a remote read: a plain method


def __sf_Node__add_child__b0(self, __sf_env):
    name = __sf_env['name']
    return ('create', 'Node', [name, 2], {}, 'b1', '__sf_t0', {})


def __sf_Node__add_child__b1(self, __sf_env):
    child = __sf_env['__sf_t0']
    self.children.append(child)
    return ('return', child)


def __sf_Node__child_weights__b0(self, __sf_env):
    total = 0.0
    __sf_it = list(self.children)
    return ('jump', 'b1', {'total': total, '__sf_it': __sf_it})


def __sf_Node__child_weights__b1(self, __sf_env):
    total = __sf_env['total']
    __sf_it = __sf_env['__sf_it']
    if not __sf_it:
        return ('return', total)
    c = __sf_it[0]
    __sf_it = __sf_it[1:]
    return ('invoke', c, 'get_weight', [], {}, 'b2', '__sf_t0', {'total': total, '__sf_it': __sf_it})


def __sf_Node__child_weights__b2(self, __sf_env):
    total = __sf_env['total']
    __sf_it = __sf_env['__sf_it']
    total += __sf_env['__sf_t0']
    return ('jump', 'b1', {'total': total, '__sf_it': __sf_it})


def __sf_Node___collect__b0(self, __sf_env):
    extra = __sf_env['extra']
    first = self.children[0]
    return ('read', first, 'weight', 'b1', '__sf_t0', {'extra': extra})


def __sf_Node___collect__b1(self, __sf_env):
    extra = __sf_env['extra']
    w = __sf_env['__sf_t0']
    self.log.append("collect")
    return ('return', w + extra)


def __sf_Node__summary__b0(self, __sf_env):
    extra = __sf_env['extra']
    return ('invoke_self', 'peek', [], {}, 'b1', '__sf_t0', {'extra': extra})


def __sf_Node__summary__b1(self, __sf_env):
    extra = __sf_env['extra']
    n = __sf_env['__sf_t0']
    return ('invoke_self', '_collect', [extra], {}, 'b2', '__sf_t1', {'n': n})


def __sf_Node__summary__b2(self, __sf_env):
    n = __sf_env['n']
    s = __sf_env['__sf_t1']
    self.log.append("summary")
    return ('return', s + n)


def __sf_Node__poke_child__b0(self, __sf_env):
    message = __sf_env['message']
    self.log.append("poke")
    return ('invoke', self.children[0], 'explode', [message], {}, 'b1', '__sf_t0', {})


def __sf_Node__poke_child__b1(self, __sf_env):
    return ('return', "unreachable")
'''


def graph_program() -> Dict[str, Any]:
    return program("graph", GRAPH_SOURCE, [
        entity("Node", [
            method("get_weight", writes=False),
            method("scale", params=["factor"]),
            method("explode", params=["message"]),
            method("peek", writes=False),
            method("_secret", writes=False),
            method("add_child", blocks=["__sf_Node__add_child__b0", "__sf_Node__add_child__b1"],
                   params=["name"]),
            method("child_weights", writes=False, blocks=[
                "__sf_Node__child_weights__b0", "__sf_Node__child_weights__b1",
                "__sf_Node__child_weights__b2"]),
            method("_collect", blocks=["__sf_Node___collect__b0", "__sf_Node___collect__b1"],
                   params=["extra"]),
            method("summary", blocks=["__sf_Node__summary__b0", "__sf_Node__summary__b1",
                                      "__sf_Node__summary__b2"], params=["extra"]),
            method("poke_child", blocks=["__sf_Node__poke_child__b0",
                                         "__sf_Node__poke_child__b1"], params=["message"]),
            method("print_and_return", writes=False),
            method("bad_return", writes=False),
            method("misuse", writes=False, params=["other"]),
        ]),
    ])


BANK_IR_FIXTURE = os.path.join(ROOT, "packages", "ir", "test", "fixtures", "bank.ir.json")


def bank_fixture() -> Optional[Dict[str, Any]]:
    """A program using every terminator kind, once ``packages/ir`` publishes it."""
    if not os.path.exists(BANK_IR_FIXTURE):
        return None
    with open(BANK_IR_FIXTURE, encoding="utf-8") as f:
        return json.load(f)
