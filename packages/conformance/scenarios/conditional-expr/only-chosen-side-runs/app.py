"""Pricing with a conditional expression: only the chosen branch's remote call happens."""
from stateflow import stateflow


@stateflow
class PriceList:
    def __init__(self, name: str, factor: int):
        self.name: str = name
        self.factor: int = factor
        self.quotes: int = 0

    def quote(self, base: int) -> int:
        self.quotes += 1
        return base * self.factor

    def __key__(self):
        return self.name


@stateflow
class Checkout:
    def __init__(self, name: str):
        self.name: str = name

    def price(self, member: bool, members: PriceList, public: PriceList, base: int) -> int:
        return members.quote(base) if member else public.quote(base)

    def price_or_free(self, public: PriceList, base: int) -> int:
        amount = 0 if base == 0 else public.quote(base)
        return amount

    def __key__(self):
        return self.name
