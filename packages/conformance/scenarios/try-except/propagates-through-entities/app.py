"""A chain of three: the last raises, the middle does not catch, the first does."""
from stateflow import stateflow


class Refused(Exception):
    pass


@stateflow
class Vault:
    def __init__(self, name: str):
        self.name: str = name
        self.opened: int = 0

    def open(self, code: int) -> str:
        self.opened += 1
        if code != 1234:
            raise Refused(f"wrong code {code}")
        return "open"

    def __key__(self):
        return self.name


@stateflow
class Teller:
    def __init__(self, name: str):
        self.name: str = name
        self.requests: int = 0

    def fetch(self, vault: Vault, code: int) -> str:
        self.requests += 1
        status = vault.open(code)
        self.requests += 100
        return status

    def __key__(self):
        return self.name


@stateflow
class Customer:
    def __init__(self, name: str):
        self.name: str = name
        self.note: str = ""

    def withdraw(self, teller: Teller, vault: Vault, code: int) -> str:
        try:
            self.note = teller.fetch(vault, code)
        except Refused as e:
            self.note = f"refused: {e}"
        return self.note

    def withdraw_uncaught(self, teller: Teller, vault: Vault, code: int) -> str:
        self.note = "trying"
        return teller.fetch(vault, code)

    def __key__(self):
        return self.name
