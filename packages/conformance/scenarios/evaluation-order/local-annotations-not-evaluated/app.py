"""Python does not evaluate the annotation of a local variable: a remote call written there is never made."""
from stateflow import stateflow


@stateflow
class Item:
    def __init__(self, name: str):
        self.name: str = name
        self.calls: int = 0

    def get(self) -> int:
        self.calls += 1
        return self.calls

    def __key__(self):
        return self.name


@stateflow
class User:
    def __init__(self, name: str):
        self.name: str = name

    def annotated(self, item: Item) -> int:
        # Python never evaluates the annotation of a local: item.get() is not called here.
        p: item.get()
        q: item.get() = 10
        return q + item.get()

    def __key__(self):
        return self.name
