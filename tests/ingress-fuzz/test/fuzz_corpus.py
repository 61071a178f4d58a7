"""Seeded random and mutated Kafka ingress records for the backends' decoders.

Every record is what a Kafka consumer could hand a decoder: ``bytes``, or ``None`` for a
record without a value. :func:`records` yields ``(label, value)`` pairs; the label names
the kind of damage, so a failure says what was fed. The same seed gives the same
records, in the same order, on every machine.
"""
import json
import random
import re
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

#: The client's reply address in every valid-looking record (the backends allow it).
REPLY_TO = {"channel": "kafka:replies", "id": "fuzz"}

#: Nesting past CPython's default recursion limit (1000): json.loads raises RecursionError.
DEEP = 100_000

Record = Optional[bytes]


def valid_requests(rid: str) -> List[Dict[str, Any]]:
    """Valid client requests for the shop program (``ir/test/fixtures/shop.ir.json``)."""
    base = {"requestId": rid, "seq": 0, "stack": [], "replyTo": REPLY_TO}
    return [
        dict(base, kind="Construct", entity="Item", args=["coke", 1], kwargs={}),
        dict(base, kind="Construct", entity="User", args=["ålice ☃ 🐍"], kwargs={}),
        dict(base, kind="Invoke", target={"entity": "Item", "key": "coke"}, method="update_stock", args=[1], kwargs={}),
        dict(base, kind="Invoke", target={"entity": "User", "key": "ålice ☃ 🐍"}, method="buy_item",
             args=[1, {"$entity": "Item", "$key": "coke"}], kwargs={}),
        dict(base, kind="Invoke", target={"entity": "User", "key": "u"}, method="update_balance", args=[], kwargs={"x": 5}),
        dict(base, kind="GetState", target={"entity": "Item", "key": "coke"}),
    ]


def encode(value: Any) -> bytes:
    """JSON text of ``value`` as UTF-8: non-ASCII kept as is (so cuts can split a character),
    lone surrogates escaped (``"\\ud800"``: valid UTF-8 that decodes to a str no codec encodes)."""
    text = json.dumps(value, ensure_ascii=False)
    return re.sub("[\ud800-\udfff]", lambda m: "\\u%04x" % ord(m.group()), text).encode("utf-8")


class Fuzzer:
    """The record generators, all drawing from one seeded ``random.Random``."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.n = 0

    def rid(self) -> str:
        self.n += 1
        return "fuzz-%d" % self.n

    def valid(self) -> Dict[str, Any]:
        return self.rng.choice(valid_requests(self.rid()))

    # -- values ---------------------------------------------------------------------

    def string(self) -> str:
        r = self.rng.random()
        if r < 0.3:
            return "".join(self.rng.choice("abcXYZ019 /$._-") for _ in range(self.rng.randint(0, 12)))
        if r < 0.5:
            return self.rng.choice(["", ".", "..", "$entity", "$construct/x", "Item", "User", "kafka:replies",
                                    "kafka:", "kafka:elsewhere", "Invoke", "Construct", "GetState", "Reply", "Settle",
                                    "Query"])
        if r < 0.7:
            # Any code point, lone surrogates included (JSON may carry them as \\ud800).
            return "".join(chr(self.rng.choice([self.rng.randint(0, 0x7F), self.rng.randint(0x80, 0xFFFF),
                                                self.rng.randint(0xD800, 0xDFFF), self.rng.randint(0x10000, 0x10FFFF)]))
                           for _ in range(self.rng.randint(1, 8)))
        if r < 0.85:
            return "\x00\x1f\u2028\ufeff" * self.rng.randint(1, 3)
        return self.rng.choice(["k", "é", "🐍", "x" * 7]) * self.rng.randint(200, 3000)

    def number(self) -> Any:
        r = self.rng.random()
        if r < 0.1:
            return int("9" * self.rng.randint(20, 4000))  # up to Python's 4,300-digit limit
        if r < 0.3:
            return self.rng.randint(-10 ** 6, 10 ** 6)
        return self.rng.choice([0, -1, 1, 2 ** 31, -(2 ** 63), 2 ** 64, 10 ** 300, -0.0, 0.5, 1e308, -1e-308,
                                float("inf"), float("-inf"), float("nan"), 0.1])

    def value(self, depth: int = 0) -> Any:
        """A random JSON value, tagged values of the IR's encoding among them."""
        r = self.rng.random()
        if depth > 4 or r < 0.35:
            return self.rng.choice([None, True, False, self.number(), self.string(), self.number(), self.string()])
        if r < 0.55:
            return [self.value(depth + 1) for _ in range(self.rng.randint(0, 4))]
        if r < 0.75:
            return {self.string(): self.value(depth + 1) for _ in range(self.rng.randint(0, 4))}
        tag = self.rng.choice(["$entity", "$key", "$tuple", "$set", "$bytes", "$int", "$float", "$dict", "$exception", "$frozenset"])
        inner = self.rng.choice([self.value(depth + 1), self.string(), [self.value(depth + 1)], "Item", "AAAA", "12",
                                 {"$entity": "Item", "$key": self.value(depth + 1)}])
        tagged = {tag: inner}
        if tag == "$entity":
            tagged["$key"] = self.value(depth + 1)
        return tagged

    # -- records --------------------------------------------------------------------

    def random_bytes(self) -> bytes:
        return bytes(self.rng.getrandbits(8) for _ in range(self.rng.randint(0, 300)))

    def truncated(self) -> bytes:
        data = encode(self.valid())
        return data[: self.rng.randint(0, len(data) - 1)]

    def bad_utf8(self) -> bytes:
        data = bytearray(encode(self.valid()))
        for _ in range(self.rng.randint(1, 4)):
            at = self.rng.randrange(len(data) + 1)
            data[at:at] = self.rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x80"])
        return bytes(data)

    def mutated(self) -> bytes:
        data = bytearray(encode(self.valid()))
        for _ in range(self.rng.randint(1, 8)):
            op = self.rng.random()
            at = self.rng.randrange(max(1, len(data)))
            if op < 0.4 and data:
                data[at] = self.rng.getrandbits(8)
            elif op < 0.7:
                data[at:at] = bytes([self.rng.choice(b'{}[]",:0\\ntfe-.')])
            elif data:
                del data[at]
        return bytes(data)

    def wrong_top_level(self) -> bytes:
        return encode(self.rng.choice([None, True, 0, -1.5, "Invoke", [], [self.valid()], self.value()]))

    def huge_number(self) -> bytes:
        event = self.valid()
        digits = "9" * self.rng.choice([4300, 4301, 5000, 100_000])
        field = self.rng.choice(["seq", "args", "requestId", "key", "top"])
        text = json.dumps(event, ensure_ascii=False)
        if field == "top":
            return digits.encode()
        if field == "args" and "args" in event:
            return text.replace('"args": [', '"args": [%s, ' % digits, 1).encode("utf-8")
        if field == "key" and "target" in event:
            return text.replace('"key": ', '"key": %s, "k2": ' % digits, 1).encode("utf-8")
        return text.replace('"seq": 0', '"seq": %s' % digits, 1).encode("utf-8")

    def deeply_nested(self) -> bytes:
        depth = self.rng.choice([64, 65, 500, 990, 5_000, DEEP])
        event = self.valid()
        text = json.dumps(event, ensure_ascii=False)
        where = self.rng.choice(["args", "kwargs", "replyTo", "top", "unknown"])
        nest = "[" * depth + "]" * depth
        if where == "top":
            return nest.encode()
        if where == "args" and "args" in event:
            return text.replace('"args": [', '"args": [%s, ' % nest, 1).encode("utf-8")
        if where == "kwargs" and "kwargs" in event:
            return text.replace('"kwargs": {', '"kwargs": {"deep": %s' % ('{"a": ' * depth + "1" + "}" * depth) + (", " if event["kwargs"] else ""), 1).encode("utf-8")
        if where == "replyTo":
            return text.replace('"replyTo": {', '"replyTo": {"deep": %s, ' % nest, 1).encode("utf-8")
        return text.replace("{", '{"extra": %s, ' % nest, 1).encode("utf-8")

    def fields_changed(self) -> bytes:
        """Fields missing, extra, or of the wrong type."""
        event = self.valid()
        for _ in range(self.rng.randint(1, 3)):
            op = self.rng.random()
            names = list(event)
            if op < 0.35 and names:
                del event[self.rng.choice(names)]
            elif op < 0.6:
                event[self.rng.choice(["extra", "$entity", "target", "stack", "kind", self.string()])] = self.value()
            elif names:
                event[self.rng.choice(names)] = self.value()
        return encode(event)

    def nested_field_changed(self) -> bytes:
        """Valid-looking requests with wrong types inside target, replyTo or the arguments."""
        event = self.valid()
        what = self.rng.choice(["target", "replyTo", "args", "kwargs", "method", "entity"])
        if what == "target" and "target" in event:
            event["target"] = dict(event["target"], **{self.rng.choice(["entity", "key"]): self.value()})
        elif what == "replyTo":
            event["replyTo"] = dict(REPLY_TO, **{self.rng.choice(["channel", "id"]): self.value()})
        elif what == "args" and "args" in event:
            event["args"] = [self.value() for _ in range(self.rng.randint(0, 3))]
        elif what == "kwargs" and "kwargs" in event:
            event["kwargs"] = {self.rng.choice(["x", "amount", "item", "", ".", "..", self.string()]): self.value()
                               for _ in range(self.rng.randint(1, 3))}
        elif what == "method" and event.get("kind") == "Invoke":
            event["method"] = self.rng.choice(["__init__", "__key__", "_private", "nope", "update_stock ", self.string()])
        else:
            event["entity"] = self.value()
        return encode(event)

    def oversized_key(self) -> bytes:
        event = self.valid()
        key = self.rng.choice(["k" * 1001, "é" * 501, "🐍" * 251, "k" * 100_000, "\ud800", "a\udfffb", "k" * 1000, "\x00"])
        if "target" in event:
            event["target"] = dict(event["target"], key=key)
        elif event.get("entity") == "Item":
            event["args"] = [key, 1]
        else:
            event["args"] = [key]
        return encode(event)

    def no_value(self) -> Record:
        return self.rng.choice([None, b"", b" ", b"\n", b"\x00"])

    def generators(self) -> List[Tuple[str, Callable[[], Record]]]:
        return [
            ("random bytes", self.random_bytes),
            ("truncated", self.truncated),
            ("invalid UTF-8", self.bad_utf8),
            ("mutated bytes", self.mutated),
            ("wrong top-level type", self.wrong_top_level),
            ("huge number", self.huge_number),
            ("deep nesting", self.deeply_nested),
            ("missing, extra or mistyped fields", self.fields_changed),
            ("mistyped target, replyTo or arguments", self.nested_field_changed),
            ("oversized or odd key", self.oversized_key),
            ("no value", self.no_value),
            ("random JSON value", lambda: encode(self.value())),
        ]


def records(seed: int, count: int) -> Iterator[Tuple[str, Record]]:
    """``count`` records, every kind of damage in turn, each drawn at random."""
    fuzzer = Fuzzer(seed)
    kinds = fuzzer.generators()
    for i in range(count):
        label, make = kinds[i % len(kinds)]
        yield label, make()
