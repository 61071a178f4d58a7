"""A booking desk with keyword-only options and mutable-looking defaults, called locally and remotely."""
from typing import List, Optional

from stateflow import stateflow


@stateflow
class Room:
    def __init__(self, number: str, beds: int = 2):
        self.number: str = number
        self.beds: int = beds
        self.guests: List[str] = []

    def book(self, guest: str, *, nights: int = 1, breakfast: bool = False, extras: Optional[List[str]] = None) -> str:
        self.guests.append(guest)
        parts = [guest, str(nights)]
        if breakfast:
            parts.append("bb")
        parts.extend(extras or [])
        return "/".join(parts)

    def __key__(self):
        return self.number


@stateflow
class Desk:
    def __init__(self, name: str):
        self.name: str = name

    def book_pair(self, room: Room, first: str, second: str = "guest") -> list:
        return [room.book(first), room.book(second, nights=3, breakfast=True, extras=["cot"])]

    def __key__(self):
        return self.name
