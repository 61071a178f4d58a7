"""Retrying a flaky service: a while loop with break on success and else on giving up."""
from stateflow import stateflow


@stateflow
class Service:
    def __init__(self, name: str, fail_times: int):
        self.name: str = name
        self.fail_times: int = fail_times
        self.calls: int = 0

    def attempt(self) -> bool:
        self.calls += 1
        return self.calls > self.fail_times

    def __key__(self):
        return self.name


@stateflow
class Client:
    def __init__(self, name: str):
        self.name: str = name

    def call(self, service: Service, retries: int) -> str:
        tries = 0
        while tries < retries:
            tries += 1
            if not service.attempt():
                continue
            outcome = f"ok after {tries}"
            break
        else:
            outcome = f"gave up after {tries}"
        return outcome

    def __key__(self):
        return self.name
