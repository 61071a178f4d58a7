"""An optional manager: `m is not None and m.approves(x)` never calls None."""
from typing import Optional

from stateflow import stateflow


@stateflow
class Employee:
    def __init__(self, name: str, limit: int):
        self.name: str = name
        self.limit: int = limit
        self.manager: Optional[Employee] = None

    def report_to(self, manager: "Employee") -> None:
        self.manager = manager

    def approves(self, amount: int) -> bool:
        return amount <= self.limit

    def can_spend(self, amount: int) -> bool:
        return amount <= self.limit or (self.manager is not None and self.manager.approves(amount))

    def __key__(self):
        return self.name
