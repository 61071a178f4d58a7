"""Total assets: sum() over a generator expression of remote balance reads."""
from typing import List

from stateflow import stateflow


@stateflow
class Account:
    def __init__(self, iban: str, balance: int):
        self.iban: str = iban
        self.balance: int = balance

    def balance_of(self) -> int:
        return self.balance

    def __key__(self):
        return self.iban


@stateflow
class Portfolio:
    def __init__(self, owner: str):
        self.owner: str = owner
        self.accounts: List[Account] = []

    def add(self, account: Account) -> None:
        self.accounts.append(account)

    def total(self) -> int:
        return sum(a.balance_of() for a in self.accounts)

    def richest(self) -> int:
        return max((a.balance_of() for a in self.accounts), default=0)

    def any_negative(self) -> bool:
        return any(a.balance < 0 for a in self.accounts)

    def __key__(self):
        return self.owner
