"""A wallet that changes its state and then raises: the change must not stay."""
from typing import List

from stateflow import stateflow


class InsufficientFunds(Exception):
    pass


@stateflow
class Wallet:
    def __init__(self, owner: str, balance: int):
        self.owner: str = owner
        self.balance: int = balance
        self.history: List[int] = []

    def spend(self, amount: int) -> int:
        self.history.append(-amount)
        self.balance -= amount
        if self.balance < 0:
            raise InsufficientFunds(f"{self.owner} cannot spend {amount}")
        return self.balance

    def fail_with_value_error(self) -> None:
        self.history.clear()
        int("not a number")

    def __key__(self):
        return self.owner
