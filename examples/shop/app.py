"""A small shop: users buy items, paying from their balance."""
from typing import List

from stateflow import stateflow


class NotEnoughStock(Exception):
    pass


@stateflow
class Item:
    def __init__(self, item_name: str, price: int):
        self.item_name: str = item_name
        self.stock: int = 0
        self.price: int = price

    def update_stock(self, amount: int) -> bool:
        if self.stock + amount < 0:
            raise NotEnoughStock(f"only {self.stock} of {self.item_name} left")
        self.stock += amount
        return True

    def __key__(self):
        return self.item_name


@stateflow
class User:
    def __init__(self, username: str):
        self.username: str = username
        self.balance: int = 1
        self.items: List[Item] = []

    def update_balance(self, x: int):
        self.balance += x

    def buy_item(self, amount: int, item: Item) -> bool:
        total_price = amount * item.price

        if self.balance < total_price:
            return False

        item.update_stock(-amount)

        self.balance -= total_price
        self.items.append(item)
        return True

    def __key__(self):
        return self.username
