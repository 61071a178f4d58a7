"""Accounts that transfer money to each other: each transfer is split at a read and a call of the other account."""
from typing import List

from stateflow import stateflow


@stateflow
class Account:
    def __init__(self, name: str, balance: int):
        self.name: str = name
        self.balance: int = balance
        self.debits: List[str] = []
        self.credits: List[str] = []

    def deposit(self, amount: int, tag: str) -> bool:
        self.balance += amount
        self.credits.append(tag)
        return True

    def transfer(self, to: "Account", amount: int, tag: str) -> bool:
        if self.balance < amount:
            return False
        other = to.name
        self.balance -= amount
        self.debits.append(tag + ">" + other)
        to.deposit(amount, tag)
        return True

    def __key__(self):
        return self.name
