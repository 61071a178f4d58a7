"""Usernames are keys: a second user with a taken name is refused."""
from stateflow import stateflow


@stateflow
class User:
    def __init__(self, username: str, email: str):
        self.username: str = username
        self.email: str = email

    def change_email(self, email: str) -> str:
        old = self.email
        self.email = email
        return old

    def __key__(self):
        return self.username
