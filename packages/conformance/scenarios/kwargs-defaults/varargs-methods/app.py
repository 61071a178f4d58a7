"""A logger with *args and **kwargs methods, called by clients and by another entity."""
from typing import List

from stateflow import stateflow


@stateflow
class Logger:
    def __init__(self, name: str):
        self.name: str = name
        self.lines: List[str] = []

    def log(self, level: str, *parts: str, **fields: int) -> int:
        extra = ",".join(f"{k}={v}" for k, v in sorted(fields.items()))
        self.lines.append(f"{level} {' '.join(parts)} {extra}".strip())
        return len(self.lines)

    def __key__(self):
        return self.name


@stateflow
class App:
    def __init__(self, name: str):
        self.name: str = name

    def start(self, logger: Logger) -> int:
        logger.log("info", "starting", self.name)
        return logger.log("debug", pid=7, port=80)

    def __key__(self):
        return self.name
