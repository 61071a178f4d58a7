"""Draining an account: the loop condition itself is a remote call."""
from stateflow import stateflow


@stateflow
class Account:
    def __init__(self, iban: str, balance: int):
        self.iban: str = iban
        self.balance: int = balance

    def balance_of(self) -> int:
        return self.balance

    def withdraw(self, amount: int) -> int:
        self.balance -= amount
        return amount

    def __key__(self):
        return self.iban


@stateflow
class Collector:
    def __init__(self, name: str):
        self.name: str = name
        self.collected: int = 0

    def drain(self, account: Account, step: int) -> int:
        rounds = 0
        while account.balance_of() >= step:
            self.collected += account.withdraw(step)
            rounds += 1
        return rounds

    def __key__(self):
        return self.name
