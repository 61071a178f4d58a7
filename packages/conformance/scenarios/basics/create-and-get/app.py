"""A counter per name: the smallest entity."""
from stateflow import stateflow


@stateflow
class Counter:
    def __init__(self, name: str, start: int = 0):
        self.name: str = name
        self.count: int = start

    def incr(self, by: int = 1) -> int:
        self.count += by
        return self.count

    def snapshot(self) -> tuple:
        return (self.name, self.count)

    def __key__(self):
        return self.name
