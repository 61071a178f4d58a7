"""An order service turns a payment failure into its own exception, with the cause in the message."""
from stateflow import stateflow


class PaymentDeclined(Exception):
    pass


class OrderFailed(Exception):
    pass


@stateflow
class Card:
    def __init__(self, number: str, limit: int):
        self.number: str = number
        self.limit: int = limit

    def charge(self, amount: int) -> int:
        if amount > self.limit:
            raise PaymentDeclined(f"limit {self.limit}")
        self.limit -= amount
        return self.limit

    def __key__(self):
        return self.number


@stateflow
class Orders:
    def __init__(self, name: str):
        self.name: str = name
        self.placed: int = 0

    def place(self, card: Card, amount: int) -> int:
        self.placed += 1
        try:
            card.charge(amount)
        except PaymentDeclined as e:
            raise OrderFailed(f"order {self.placed}: {e}")
        return self.placed

    def __key__(self):
        return self.name
