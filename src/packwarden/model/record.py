"""Frozen records: ``typing.NamedTuple`` to the type checker, built without importing typing.

``typing`` costs ~3 ms to import, a tenth of the hook's budget. At run time a record class is
made by ``collections.namedtuple`` (already imported by the standard library at start-up)
from the class body's annotations and defaults, as ``typing.NamedTuple`` would make it;
methods, properties and the docstring are kept. Records pickle (forked workers send them back),
read-only mappings (``MappingProxyType``) included.
"""

from __future__ import annotations

__all__ = ["Record", "value_eq", "value_hash", "value_ne"]

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from typing import Any
    from typing import NamedTuple as Record
else:
    from collections import namedtuple
    from types import MappingProxyType

    def _rebuild(record, values, proxied):
        return record._make(MappingProxyType(v) if i in proxied else v for i, v in enumerate(values))

    def _reduce(self):
        """A MappingProxyType cannot be pickled; it travels as a dict and is wrapped again."""
        proxied = tuple(i for i, value in enumerate(self) if type(value) is MappingProxyType)
        if not proxied:
            return (type(self), tuple(self))
        return (_rebuild, (type(self), tuple(dict(v) if i in proxied else v for i, v in enumerate(self)), proxied))

    _INTERNALS = frozenset({"__annotations__", "__module__", "__qualname__", "__dict__", "__weakref__"})

    class _RecordType(type):
        def __new__(cls, name, bases, namespace):
            if not bases:
                return super().__new__(cls, name, bases, namespace)
            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[field] for field in fields if field in namespace]
            if any(field in namespace for field in fields[: len(fields) - len(defaults)]):
                raise TypeError(f"{name}: a field without a default follows one with a default")
            record = namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            record.__qualname__ = namespace["__qualname__"]
            record.__reduce__ = _reduce
            for key, value in namespace.items():
                if key not in _INTERNALS and key not in fields:
                    setattr(record, key, value)
            return record

    class Record(metaclass=_RecordType):
        """Base of frozen records (see the module docstring)."""


# Records that are values (``Finding``, ``Contract``): equal to a record of their own type with an
# equal ``_value()``, never to a plain tuple. A record is a tuple underneath, so without these it
# would compare, and hash, like one. Against a tuple they answer False rather than
# NotImplemented, because Python would then fall back to the tuple's own comparison, which
# accepts a record. A record's ``__eq__``, ``__ne__`` and ``__hash__`` call them (a
# NamedTuple body, as the type checker reads records, takes no plain assignments).


def value_eq(self: Any, other: object) -> bool:
    if type(other) is type(self):
        return bool(self._value() == other._value())  # type: ignore[attr-defined]
    return False if isinstance(other, tuple) else NotImplemented


def value_ne(self: Any, other: object) -> bool:
    equal = value_eq(self, other)
    return equal if equal is NotImplemented else not equal


def value_hash(self: Any) -> int:
    return hash(self._value())
