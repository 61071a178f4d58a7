"""A shop prices an order: a for loop over dict items, looking each item up remotely."""
from typing import Dict

from stateflow import stateflow


@stateflow
class Item:
    def __init__(self, name: str, price: int):
        self.name: str = name
        self.price: int = price

    def price_of(self) -> int:
        return self.price

    def __key__(self):
        return self.name


@stateflow
class Shop:
    def __init__(self, name: str):
        self.name: str = name
        self.catalog: Dict[str, Item] = {}
        self.log: list = []

    def stock(self, item: Item, name: str) -> None:
        self.catalog[name] = item

    def quote(self, order: Dict[str, int]) -> int:
        total = 0
        for name, qty in order.items():
            item = self.catalog[name]
            price = item.price_of()
            self.log.append((name, qty, price))
            total += price * qty
        return total

    def __key__(self):
        return self.name
