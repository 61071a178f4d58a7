"""A feature flag decides which backend answers: a remote call in the condition and in a branch."""
from stateflow import stateflow


@stateflow
class Flag:
    def __init__(self, name: str, on: bool):
        self.name: str = name
        self.on: bool = on

    def is_on(self) -> bool:
        return self.on

    def flip(self) -> bool:
        self.on = not self.on
        return self.on

    def __key__(self):
        return self.name


@stateflow
class Backend:
    def __init__(self, name: str):
        self.name: str = name
        self.hits: int = 0

    def answer(self, q: str) -> str:
        self.hits += 1
        return f"{self.name}:{q}"

    def __key__(self):
        return self.name


@stateflow
class Router:
    def __init__(self, name: str):
        self.name: str = name

    def route(self, flag: Flag, new: Backend, old: Backend, q: str) -> str:
        return new.answer(q) if flag.is_on() else old.answer(q).upper()

    def __key__(self):
        return self.name
