"""Claiming a seat creates it; a taken seat is reported by catching EntityExistsError."""
from typing import List

from stateflow import stateflow, EntityExistsError


@stateflow
class Seat:
    def __init__(self, number: str, holder: str):
        self.number: str = number
        self.holder: str = holder

    def __key__(self):
        return self.number


@stateflow
class Venue:
    def __init__(self, name: str):
        self.name: str = name
        self.sold: List[str] = []
        self.refused: int = 0

    def claim(self, number: str, holder: str) -> bool:
        try:
            Seat(number, holder)
        except EntityExistsError:
            self.refused += 1
            return False
        self.sold.append(number)
        return True

    def __key__(self):
        return self.name
