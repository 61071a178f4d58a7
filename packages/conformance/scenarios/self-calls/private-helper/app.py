"""A private helper that raises inside a self-call: the whole call fails and state is kept."""
from stateflow import stateflow


class Invalid(Exception):
    pass


@stateflow
class Form:
    def __init__(self, name: str):
        self.name: str = name
        self.fields: dict = {}

    def _check(self, key: str, value: str) -> str:
        if not value:
            raise Invalid(f"{key} is empty")
        return value.strip()

    def set_many(self, values: dict) -> int:
        for k, v in values.items():
            self.fields[k] = self._check(k, v)
        return len(self.fields)

    def __key__(self):
        return self.name
