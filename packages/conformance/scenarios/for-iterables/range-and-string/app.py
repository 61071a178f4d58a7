"""A typewriter that sends a word letter by letter, and a range of pages, to a printer."""
from stateflow import stateflow


@stateflow
class Printer:
    def __init__(self, name: str):
        self.name: str = name
        self.paper: str = ""

    def put(self, text: str) -> int:
        self.paper += text
        return len(self.paper)

    def __key__(self):
        return self.name


@stateflow
class Typewriter:
    def __init__(self, name: str):
        self.name: str = name

    def type_word(self, printer: Printer, word: str) -> int:
        n = 0
        for ch in word:
            n = printer.put(ch.upper())
        return n

    def pages(self, printer: Printer, first: int, last: int) -> int:
        n = 0
        for page in range(first, last + 1, 2):
            n = printer.put(f"[{page}]")
        return n

    def from_tuple(self, printer: Printer) -> int:
        n = 0
        for part in ("a", "b"):
            n = printer.put(part)
        for part in {"z"}:
            n = printer.put(part)
        return n

    def __key__(self):
        return self.name
