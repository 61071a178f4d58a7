"""Calls whose arguments do not bind, made inside methods: a TypeError there, as in plain Python."""
from stateflow import stateflow


@stateflow
class Item:
    def __init__(self, name: str, price: int):
        self.name: str = name
        self.price: int = price

    def set_price(self, price: int) -> int:
        self.price = price
        return price

    def __key__(self):
        return self.name


@stateflow
class Clerk:
    def __init__(self, name: str):
        self.name: str = name
        self.caught: int = 0

    def reprice(self, item: Item) -> bool:
        try:
            item.set_price(1, 2)
        except TypeError:
            self.caught += 1
            return False
        return True

    def stock(self, name: str) -> bool:
        try:
            Item(name, 1, 2)
        except TypeError:
            self.caught += 1
            return False
        return True

    def reraise(self, item: Item) -> int:
        try:
            return item.set_price()
        except TypeError as e:
            raise e

    def careless(self, item: Item) -> int:
        return item.set_price(price=1, cost=2)

    def __key__(self):
        return self.name
