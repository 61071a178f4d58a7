"""Chained comparisons with remote operands: each operand is evaluated once, and a later one only when the comparisons before it hold."""
from typing import List

from stateflow import stateflow


@stateflow
class Probe:
    def __init__(self, name: str, value: int = 0):
        self.name: str = name
        self.value: int = value
        self.reads: int = 0

    def get(self) -> int:
        self.reads += 1
        return self.value

    def __key__(self):
        return self.name


@stateflow
class Checker:
    def __init__(self, name: str):
        self.name: str = name

    def between(self, lo: int, p: Probe, q: Probe, hi: int) -> bool:
        return lo < p.get() <= q.get() < hi

    def short(self, lo: int, p: Probe, q: Probe) -> List[int]:
        ok = lo > 100 < q.get()
        return [int(ok), q.reads]

    def middle_once(self, p: Probe, q: Probe) -> str:
        if 0 <= p.get() < q.get() not in [5, 6]:
            return "in"
        return "out"

    def __key__(self):
        return self.name
