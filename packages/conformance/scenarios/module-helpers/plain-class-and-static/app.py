"""A plain module-level class (a dataclass) and static/class methods used by an entity."""
from dataclasses import dataclass

from stateflow import stateflow


@dataclass
class Money:
    cents: int

    def plus(self, other: "Money") -> "Money":
        return Money(self.cents + other.cents)

    def text(self) -> str:
        return f"{self.cents // 100}.{self.cents % 100:02d}"


@stateflow
class Till:
    def __init__(self, name: str):
        self.name: str = name
        self.cents: int = 0

    @staticmethod
    def parse(text: str) -> int:
        whole, _, frac = text.partition(".")
        return int(whole) * 100 + int(frac or 0)

    @classmethod
    def label(cls) -> str:
        return cls.__name__.lower()

    def take(self, text: str) -> str:
        total = Money(self.cents).plus(Money(Till.parse(text)))
        self.cents = total.cents
        return f"{self.label()}: {total.text()}"

    def __key__(self):
        return self.name


@stateflow
class Shop:
    def __init__(self, name: str):
        self.name: str = name

    def sell(self, till: Till, price: str) -> str:
        return till.take(price) + " @ " + self.name

    def __key__(self):
        return self.name
