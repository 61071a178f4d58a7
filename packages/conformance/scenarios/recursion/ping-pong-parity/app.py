"""Two entities decide parity by calling each other, and one calls back into itself through the other."""
from typing import Optional

from stateflow import stateflow


@stateflow
class Player:
    def __init__(self, name: str):
        self.name: str = name
        self.partner: Optional[Player] = None
        self.hits: int = 0

    def pair(self, other: "Player") -> None:
        self.partner = other

    def is_even(self, n: int) -> bool:
        self.hits += 1
        if n == 0:
            return True
        return self.partner.is_odd(n - 1)

    def is_odd(self, n: int) -> bool:
        self.hits += 1
        if n == 0:
            return False
        return self.partner.is_even(n - 1)

    def __key__(self):
        return self.name
