"""What the HTTP fuzz test drives: counters whose increments it checks against a ledger of
acknowledged calls, and boxes that keep whatever value they are sent."""
from typing import Any

from stateflow import stateflow


@stateflow
class Counter:
    def __init__(self, name: str):
        self.name: str = name
        self.total: int = 0
        self.count: int = 0

    def add(self, n: Any) -> Any:
        if type(n) is not int:
            raise TypeError("add() takes an int")
        self.total += n
        self.count += 1
        return n

    def add_to(self, other: "Counter", n: Any) -> Any:
        return other.add(n)

    def echo(self, value: Any) -> Any:
        return value

    def __key__(self):
        return self.name


@stateflow
class Box:
    def __init__(self, name: str, value: Any = None):
        self.name: str = name
        self.value: Any = value

    def put(self, value: Any) -> Any:
        self.value = value
        return value

    def get(self) -> Any:
        return self.value

    def __key__(self):
        return self.name
