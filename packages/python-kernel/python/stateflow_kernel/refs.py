"""Entity references: the run-time value of a variable that names another entity."""
from __future__ import annotations


def stateflow(cls):
    """Marks a class as a StateFlow entity. An identity decorator: the compiler reads it."""
    return cls


class RemoteError(Exception):
    """An exception raised by another entity (or by StateFlow) that the kernel could not
    rebuild as its own class: a subclass named after the original type is made on the
    fly, so ``type(e).__name__`` and ``str(e)`` match the original."""


class EntityExistsError(RemoteError):
    """Creating an entity failed: an entity of that class with that key already exists."""


class EntityNotFoundError(RemoteError):
    """The entity a call or read was sent to does not exist."""


class BadArgumentsError(RemoteError, TypeError):
    """A call of another entity's method, or a creation, whose arguments do not bind to
    the parameters. A ``TypeError``, so ``except TypeError`` catches it as in plain Python."""


class EntityRef:
    """A reference to one entity instance: its class name and the string form of its key.

    Equal references address the same instance. A reference is not the instance: the
    compiled program turns ``item.price`` and ``item.update_stock(1)`` into remote
    interactions, so this object only ever sees such accesses when the compiler did
    not know the variable held an entity.
    """

    __slots__ = ("entity", "key")

    def __init__(self, entity: str, key: str):
        object.__setattr__(self, "entity", entity)
        object.__setattr__(self, "key", str(key))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EntityRef):
            return self.entity == other.entity and self.key == other.key
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if isinstance(other, EntityRef):
            return not (self.entity == other.entity and self.key == other.key)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("EntityRef", self.entity, self.key))

    def __repr__(self) -> str:
        return "%s(%r)" % (self.entity, self.key)

    def __reduce__(self):
        return (EntityRef, (self.entity, self.key))

    def __setattr__(self, name: str, value: object) -> None:
        raise TypeError(
            "cannot set attribute %r on %r: it is a reference to a remote entity, and the "
            "state of another entity can only be changed by calling one of its methods"
            % (name, self)
        )

    def __getattr__(self, name: str):
        # Only reached for names that are not slots: a method call or attribute read
        # the compiler did not turn into a remote interaction.
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise TypeError(
            "cannot use %s.%s here: %r is a reference to a remote %s entity, but the "
            "compiler did not see this variable as entity-typed, so the access was not "
            "turned into a remote call. Annotate the variable or parameter with the entity "
            "class (for example `x: %s` or `xs: List[%s]`) and compile again."
            % (self.entity, name, self, self.entity, self.entity, self.entity)
        )
