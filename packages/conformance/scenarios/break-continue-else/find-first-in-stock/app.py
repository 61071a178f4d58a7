"""A warehouse picks the first shelf with enough stock: break out of a loop of remote calls, else nothing."""
from typing import List, Optional

from stateflow import stateflow


@stateflow
class Shelf:
    def __init__(self, code: str, stock: int):
        self.code: str = code
        self.stock: int = stock

    def stock_of(self) -> int:
        return self.stock

    def take(self, n: int) -> int:
        self.stock -= n
        return self.stock

    def __key__(self):
        return self.code


@stateflow
class Warehouse:
    def __init__(self, name: str):
        self.name: str = name
        self.shelves: List[Shelf] = []
        self.checked: int = 0

    def add(self, shelf: Shelf) -> None:
        self.shelves.append(shelf)

    def pick(self, n: int) -> Optional[str]:
        chosen: Optional[Shelf] = None
        for shelf in self.shelves:
            self.checked += 1
            if shelf.stock_of() >= n:
                chosen = shelf
                break
        else:
            return None
        left = chosen.take(n)
        return f"{n} taken, {left} left"

    def __key__(self):
        return self.name
