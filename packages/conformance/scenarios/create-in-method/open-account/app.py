"""A bank opens accounts: each one is a new entity created inside a method."""
from typing import List

from stateflow import stateflow


@stateflow
class Account:
    def __init__(self, iban: str, owner: str, balance: int = 0):
        self.iban: str = iban
        self.owner: str = owner
        self.balance: int = balance

    def __key__(self):
        return self.iban


@stateflow
class Bank:
    def __init__(self, code: str):
        self.code: str = code
        self.opened: List[Account] = []

    def open(self, owner: str, deposit: int) -> Account:
        iban = f"{self.code}{len(self.opened) + 1:04d}"
        account = Account(iban, owner, balance=deposit)
        self.opened.append(account)
        return account

    def __key__(self):
        return self.code
