"""Built-in exceptions raised by another entity are caught by their class."""
from typing import Dict

from stateflow import stateflow


@stateflow
class Registry:
    def __init__(self, name: str):
        self.name: str = name
        self.entries: Dict[str, int] = {"a": 1}

    def lookup(self, k: str) -> int:
        return self.entries[k]

    def parse(self, text: str) -> int:
        return int(text)

    def __key__(self):
        return self.name


@stateflow
class Reader:
    def __init__(self, name: str):
        self.name: str = name

    def read(self, reg: Registry, k: str) -> str:
        try:
            return str(reg.lookup(k))
        except KeyError:
            return "missing"

    def number(self, reg: Registry, text: str) -> int:
        try:
            return reg.parse(text)
        except (TypeError, ValueError):
            return -1

    def __key__(self):
        return self.name
