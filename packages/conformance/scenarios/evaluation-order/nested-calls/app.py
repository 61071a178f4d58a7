"""A remote call whose argument is another remote call, inside a local call."""
from stateflow import stateflow


@stateflow
class Doubler:
    def __init__(self, name: str):
        self.name: str = name
        self.log: list = []

    def double(self, x: int) -> int:
        self.log.append(x)
        return 2 * x

    def __key__(self):
        return self.name


@stateflow
class Calc:
    def __init__(self, name: str):
        self.name: str = name

    def quad(self, d: Doubler, x: int) -> int:
        return max(d.double(d.double(x)), d.double(1))

    def __key__(self):
        return self.name
