"""A user buys through a private helper that itself calls the item: a self-call of a split method."""
from typing import List

from stateflow import stateflow


@stateflow
class Item:
    def __init__(self, name: str, price: int):
        self.name: str = name
        self.price: int = price
        self.sold: int = 0

    def price_of(self) -> int:
        return self.price

    def sell(self, n: int) -> int:
        self.sold += n
        return self.sold

    def __key__(self):
        return self.name


@stateflow
class User:
    def __init__(self, name: str, balance: int):
        self.name: str = name
        self.balance: int = balance
        self.bought: List[str] = []

    def _cost(self, item: Item, n: int) -> int:
        return item.price_of() * n

    def _pay(self, amount: int) -> bool:
        if amount > self.balance:
            return False
        self.balance -= amount
        return True

    def buy(self, item: Item, n: int) -> str:
        cost = self._cost(item, n)
        if not self._pay(cost):
            return "too expensive"
        sold = item.sell(n)
        self.bought.append(f"{n} for {cost}")
        return f"sold {sold}"

    def __key__(self):
        return self.name
