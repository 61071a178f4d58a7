"""StateFlow kernel: the reference interpreter of the IR's method state machines.

``Kernel(program)`` loads a compiled program (the IR as a dict) and processes events:
``process(event, state)`` and ``process_batch_json(text)``. Standard library only.
"""
from .errors import LoadError, StateflowError
from .kernel import Kernel, install_shim
from .refs import EntityRef, stateflow
from .values import Codec, EncodingError, decode, encode

__all__ = [
    "Kernel",
    "LoadError",
    "StateflowError",
    "EncodingError",
    "EntityRef",
    "Codec",
    "encode",
    "decode",
    "install_shim",
    "stateflow",
]
