"""The options of a check kind: the rule keys its module reads, declared by the module.

A check kind's module lists its options in ``OPTIONS``; the pack schema, the pack reader and
the registry are derived from them (yamllint's ``CONF``). Declaring one imports neither
``typing`` nor pydantic, because every check module is on the hot path: ``type`` is a
built-in type or generic (``str``, ``list[Scalar]``) and the constraints are plain values;
``packs.schema`` turns them into pydantic fields when a pack is validated.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class Option:
    """One rule key. A rule that sets it (to anything but null) runs the option's check kind.

    A plain class rather than a ``Record``: a record is a namedtuple made at import, and this
    module is imported by every hook run.
    """

    __slots__ = ("choices", "ge", "inert", "key", "max_length", "problem", "shown", "type")

    def __init__(
        self,
        key: str,
        type: Any,  # what pydantic validates the value as, in strict mode
        *,
        choices: tuple[str, ...] = (),  # the value is one of these words
        max_length: int | None = None,  # for text
        ge: int | None = None,  # for numbers
        inert: tuple[Any, ...] = (),  # values that can never find anything (``required: false``)
        problem: Callable[[Any], str | None] | None = None,  # why a value of the right type is unusable
        shown: Callable[[Any], str] | None = None,  # the value in one line (a large one); None: its repr
    ) -> None:
        self.key = key
        self.type = type
        self.choices = choices
        self.max_length = max_length
        self.ge = ge
        self.inert = inert
        self.problem = problem
        self.shown = shown

    def __repr__(self) -> str:
        return f"Option({self.key!r}, {self.type!r})"


def is_scalar(value: object) -> object:
    """One error for a value that is no scalar, not one per member of the union."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise ValueError("a value here must be text, a number, true, false or null")


class Scalar:
    """Option type marker: text, a number, true, false or null (``packs.schema.Scalar``)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from typing import Annotated  # only when a pack is validated

        from pydantic import BeforeValidator

        return handler.generate_schema(Annotated[str | int | float | bool | None, BeforeValidator(is_scalar)])
