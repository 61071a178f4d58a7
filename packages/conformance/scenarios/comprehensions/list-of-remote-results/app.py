"""A basket lists its items' prices with a list comprehension of remote calls."""
from typing import List

from stateflow import stateflow


@stateflow
class Item:
    def __init__(self, name: str, price: int):
        self.name: str = name
        self.price: int = price
        self.asked: int = 0

    def price_of(self) -> int:
        self.asked += 1
        return self.price

    def __key__(self):
        return self.name


@stateflow
class Basket:
    def __init__(self, owner: str):
        self.owner: str = owner
        self.items: List[Item] = []

    def add(self, item: Item) -> None:
        self.items.append(item)

    def prices(self) -> list:
        return [item.price_of() for item in self.items]

    def doubled_pairs(self) -> list:
        return [(i, item.price_of() * 2) for i, item in enumerate(self.items) if i % 2 == 0]

    def __key__(self):
        return self.owner
