"""Module-level constants and helper functions used around remote calls."""
from stateflow import stateflow

VAT = 21
CURRENCY = "EUR"
ROUNDING = {"EUR": 2, "JPY": 0}


def with_vat(cents: int) -> int:
    return cents + cents * VAT // 100


def fmt(cents: int, currency: str = CURRENCY) -> str:
    return f"{cents / 100:.{ROUNDING[currency]}f} {currency}"


@stateflow
class Product:
    def __init__(self, sku: str, cents: int):
        self.sku: str = sku
        self.cents: int = cents

    def net(self) -> int:
        return self.cents

    def __key__(self):
        return self.sku


@stateflow
class Invoice:
    def __init__(self, number: str):
        self.number: str = number
        self.lines: list = []

    def add(self, product: Product, qty: int) -> str:
        gross = with_vat(product.net() * qty)
        self.lines.append(gross)
        return fmt(gross)

    def total(self) -> str:
        return fmt(sum(self.lines), currency=CURRENCY)

    def __key__(self):
        return self.number
