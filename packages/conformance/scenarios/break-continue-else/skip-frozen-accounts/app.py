"""A bonus run that skips frozen accounts with continue and stops at a budget with break."""
from typing import List

from stateflow import stateflow


@stateflow
class Account:
    def __init__(self, owner: str, frozen: bool):
        self.owner: str = owner
        self.frozen: bool = frozen
        self.balance: int = 0

    def is_frozen(self) -> bool:
        return self.frozen

    def deposit(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    def __key__(self):
        return self.owner


@stateflow
class Bank:
    def __init__(self, name: str):
        self.name: str = name
        self.accounts: List[Account] = []

    def open(self, account: Account) -> None:
        self.accounts.append(account)

    def bonus(self, amount: int, budget: int) -> list:
        paid = []
        for account in self.accounts:
            if account.is_frozen():
                paid.append("skip")
                continue
            if budget < amount:
                paid.append("stop")
                break
            budget -= amount
            paid.append(account.deposit(amount))
        else:
            paid.append("all")
        return paid

    def __key__(self):
        return self.name
