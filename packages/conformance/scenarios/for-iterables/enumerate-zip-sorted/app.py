"""Payroll: pays accounts with enumerate, zip and sorted, each payment a remote call."""
from typing import List

from stateflow import stateflow


@stateflow
class Account:
    def __init__(self, owner: str):
        self.owner: str = owner
        self.balance: int = 0

    def deposit(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    def __key__(self):
        return self.owner


@stateflow
class Payroll:
    def __init__(self, company: str):
        self.company: str = company
        self.staff: List[Account] = []

    def hire(self, account: Account) -> None:
        self.staff.append(account)

    def pay_by_rank(self, base: int) -> list:
        out = []
        for rank, account in enumerate(self.staff, start=1):
            out.append(account.deposit(base * rank))
        return out

    def pay_amounts(self, amounts: List[int]) -> list:
        out = []
        for account, amount in zip(self.staff, amounts):
            out.append(account.deposit(amount))
        return out

    def pay_sorted(self, amounts: List[int]) -> list:
        out = []
        for amount in sorted(amounts, reverse=True):
            out.append(self.staff[0].deposit(amount))
        return out

    def __key__(self):
        return self.company
