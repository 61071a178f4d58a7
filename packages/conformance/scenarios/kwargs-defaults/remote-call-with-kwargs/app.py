"""Transfers between accounts pass keyword arguments and rely on defaults in remote calls."""
from typing import List

from stateflow import stateflow


@stateflow
class Account:
    def __init__(self, iban: str, balance: int = 0):
        self.iban: str = iban
        self.balance: int = balance
        self.memo: List[str] = []

    def deposit(self, amount: int, note: str = "deposit", fee: int = 0) -> int:
        self.balance += amount - fee
        self.memo.append(note)
        return self.balance

    def __key__(self):
        return self.iban


@stateflow
class Bank:
    def __init__(self, name: str):
        self.name: str = name

    def transfer(self, src: Account, dst: Account, amount: int) -> list:
        a = src.deposit(-amount, note=f"to {dst.iban}")
        b = dst.deposit(amount, fee=1, note="incoming")
        c = dst.deposit(amount=0)
        return [a, b, c]

    def __key__(self):
        return self.name
