"""Registering a name that is taken: the creation fails with EntityExists, the existing entity is untouched."""
from stateflow import stateflow


@stateflow
class Profile:
    def __init__(self, handle: str, bio: str):
        self.handle: str = handle
        self.bio: str = bio

    def __key__(self):
        return self.handle


@stateflow
class Registrar:
    def __init__(self, name: str):
        self.name: str = name
        self.attempts: int = 0
        self.created: int = 0

    def register(self, handle: str, bio: str) -> Profile:
        self.attempts += 1
        p = Profile(handle, bio)
        self.created += 1
        return p

    def __key__(self):
        return self.name
