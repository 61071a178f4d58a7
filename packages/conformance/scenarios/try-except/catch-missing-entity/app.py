"""Calling a reference to an entity that does not exist: EntityNotFoundError can be caught."""
from stateflow import stateflow, EntityNotFoundError


@stateflow
class Mailbox:
    def __init__(self, owner: str):
        self.owner: str = owner
        self.count: int = 0

    def deliver(self) -> int:
        self.count += 1
        return self.count

    def __key__(self):
        return self.owner


@stateflow
class Postman:
    def __init__(self, name: str):
        self.name: str = name
        self.returned: int = 0

    def send(self, box: Mailbox) -> str:
        try:
            n = box.deliver()
        except EntityNotFoundError:
            self.returned += 1
            return "returned to sender"
        return f"delivered #{n}"

    def send_uncaught(self, box: Mailbox) -> int:
        return box.deliver()

    def __key__(self):
        return self.name
