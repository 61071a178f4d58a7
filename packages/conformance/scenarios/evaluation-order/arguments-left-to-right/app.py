"""A ticket dispenser: several remote calls in one expression run left to right."""
from stateflow import stateflow


@stateflow
class Dispenser:
    def __init__(self, name: str):
        self.name: str = name
        self.next_ticket: int = 1

    def take(self) -> int:
        n = self.next_ticket
        self.next_ticket += 1
        return n

    def __key__(self):
        return self.name


def pair(a, b):
    return f"{a}-{b}"


@stateflow
class Desk:
    def __init__(self, name: str):
        self.name: str = name

    def three(self, d: Dispenser) -> list:
        return [d.take(), d.take() * 10, d.take() * 100]

    def in_call(self, d: Dispenser) -> str:
        return pair(d.take(), d.take())

    def in_dict(self, d: Dispenser) -> dict:
        return {"first": d.take(), "second": d.take()}

    def binary(self, d: Dispenser) -> int:
        return d.take() - d.take() * 2

    def __key__(self):
        return self.name
