"""Exception classes with a hierarchy: `except ShopError` catches a subclass raised remotely."""
from stateflow import stateflow


class ShopError(Exception):
    pass


class OutOfStock(ShopError):
    pass


class Discontinued(ShopError):
    pass


@stateflow
class Product:
    def __init__(self, sku: str, stock: int, active: bool):
        self.sku: str = sku
        self.stock: int = stock
        self.active: bool = active

    def reserve(self, n: int) -> int:
        if not self.active:
            raise Discontinued(self.sku)
        if n > self.stock:
            raise OutOfStock(f"{self.sku}: {self.stock} < {n}")
        self.stock -= n
        return self.stock

    def __key__(self):
        return self.sku


@stateflow
class Cart:
    def __init__(self, owner: str):
        self.owner: str = owner
        self.problems: list = []

    def add(self, product: Product, n: int) -> str:
        try:
            left = product.reserve(n)
        except OutOfStock as e:
            self.problems.append(("stock", str(e)))
            return "wait"
        except ShopError as e:
            self.problems.append((type(e).__name__, str(e)))
            return "gone"
        return f"ok {left}"

    def __key__(self):
        return self.owner
