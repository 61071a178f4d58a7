"""The shop: buying catches the item's NotEnoughStock and refunds, instead of failing."""
from typing import List

from stateflow import stateflow


class NotEnoughStock(Exception):
    pass


@stateflow
class Item:
    def __init__(self, name: str, price: int, stock: int):
        self.name: str = name
        self.price: int = price
        self.stock: int = stock

    def take(self, n: int) -> int:
        if self.stock < n:
            raise NotEnoughStock(f"only {self.stock} {self.name} left")
        self.stock -= n
        return self.price * n

    def __key__(self):
        return self.name


@stateflow
class User:
    def __init__(self, name: str, balance: int):
        self.name: str = name
        self.balance: int = balance
        self.items: List[str] = []
        self.errors: List[str] = []

    def buy(self, item: Item, n: int) -> bool:
        try:
            cost = item.take(n)
        except NotEnoughStock as e:
            self.errors.append(str(e))
            return False
        self.balance -= cost
        self.items.append(f"{n}x")
        return True

    def __key__(self):
        return self.name
