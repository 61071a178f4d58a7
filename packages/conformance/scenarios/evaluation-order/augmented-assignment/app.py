"""Augmented assignment with a remote call on the right: the left side is read first in Python."""
from stateflow import stateflow


@stateflow
class Source:
    def __init__(self, name: str):
        self.name: str = name
        self.n: int = 0

    def next(self) -> int:
        self.n += 5
        return self.n

    def __key__(self):
        return self.name


@stateflow
class Sink:
    def __init__(self, name: str):
        self.name: str = name
        self.total: int = 100
        self.parts: list = []

    def pull(self, src: Source) -> int:
        self.total += src.next()
        self.total -= src.next() // 5
        self.parts += [src.next()]
        return self.total

    def __key__(self):
        return self.name
