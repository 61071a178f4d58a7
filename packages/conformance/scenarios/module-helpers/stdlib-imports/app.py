"""Standard library modules (math, statistics, collections, json, re) used in entity methods."""
import json
import math
import re
import statistics
from collections import Counter
from typing import List

from stateflow import stateflow


@stateflow
class Sample:
    def __init__(self, name: str):
        self.name: str = name
        self.values: List[float] = []

    def add(self, v: float) -> int:
        self.values.append(v)
        return len(self.values)

    def values_of(self) -> list:
        return list(self.values)

    def __key__(self):
        return self.name


@stateflow
class Analyst:
    def __init__(self, name: str):
        self.name: str = name

    def describe(self, s: Sample) -> dict:
        vs = s.values_of()
        return {
            "mean": statistics.mean(vs),
            "hyp": math.hypot(3, 4),
            "floor": math.floor(max(vs)),
            "json": json.dumps(sorted(vs)),
        }

    def words(self, text: str, s: Sample) -> list:
        n = s.add(1.5)
        counts = Counter(re.findall(r"[a-z]+", text.lower()))
        return [n] + sorted(counts.items())

    def __key__(self):
        return self.name
