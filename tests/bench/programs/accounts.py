"""Benchmark program: YCSB-style records that are also bank accounts."""
from stateflow import stateflow


@stateflow
class Account:
    def __init__(self, id: str, balance: int):
        self.id: str = id
        self.balance: int = balance
        self.field0: str = "x" * 100

    def __key__(self):
        return self.id

    def read(self) -> int:
        return self.balance

    def update(self, value: str) -> None:
        self.field0 = value

    def deposit(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    def transfer(self, amount: int, to: "Account") -> bool:
        if self.balance < amount:
            return False
        self.balance -= amount
        to.deposit(amount)
        return True
