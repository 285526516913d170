"""Policy regexes: RE2 when it can take the pattern, `regex` under a time budget when it cannot.

RE2 runs in linear time, so most policy patterns can never hang. Look-arounds and
back-references need a back-tracking engine; those run under ``regex``, every call limited by
the ``Budget`` it is given. The engine gives each rule one budget per file, so a rule spends at
most ``BUDGET_SECONDS`` on a file however many values it matches; once the budget is spent,
the pattern raises ``PatternTimeout`` for the caller to report against its pack.
"""

from __future__ import annotations

import functools
from time import monotonic

from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Protocol

    class _Match(Protocol):
        def start(self) -> int: ...
        def end(self) -> int: ...


BUDGET_SECONDS = 0.25  # per rule per file, for back-tracking patterns only


class PatternTimeout(Exception):
    """A back-tracking pattern used up its budget."""


class InvalidPattern(ValueError):
    """Neither engine accepts the pattern."""


class Budget:
    """Seconds that back-tracking patterns may still spend; shared by every call given it.

    RE2 patterns run in linear time and neither use nor need a budget.
    """

    __slots__ = ("seconds_left",)

    def __init__(self, seconds: float = BUDGET_SECONDS) -> None:
        self.seconds_left = seconds

    @property
    def spent(self) -> bool:
        return self.seconds_left <= 0

    def __repr__(self) -> str:
        return f"Budget(seconds_left={self.seconds_left!r})"


class PolicyPattern(Record):
    source: str
    engine: str
    compiled: object

    def search(self, text: str, pos: int = 0, budget: Budget | None = None) -> _Match | None:
        """The first match at or after ``pos``. A back-tracking search is charged to ``budget``
        (a fresh one when None) and raises PatternTimeout once it is spent."""
        if self.engine == "re2":
            return self.compiled.search(text, pos)  # type: ignore[attr-defined, no-any-return]
        if budget is None:
            budget = Budget()
        if budget.spent:
            raise PatternTimeout(self.source)
        start = monotonic()
        try:
            return self.compiled.search(text, pos, timeout=budget.seconds_left)  # type: ignore[attr-defined, no-any-return]
        except TimeoutError as exc:
            budget.seconds_left = 0.0
            raise PatternTimeout(self.source) from exc
        finally:
            budget.seconds_left -= monotonic() - start

    def matches(self, text: str, budget: Budget | None = None) -> bool:
        """Whether ``pattern`` matches anywhere in ``text``. RE2 is given the UTF-8 bytes it works
        on: its wrapper would otherwise map every offset back to characters (~2.5x the time)."""
        if self.engine == "re2":
            return self.compiled.search(text.encode("utf-8", "surrogatepass")) is not None  # type: ignore[attr-defined]
        return self.search(text, 0, budget) is not None

    def finditer(self, text: str, budget: Budget | None = None) -> Iterator[_Match]:
        """All non-overlapping matches, lazily, as ``re.finditer`` finds them; back-tracking
        searches are all charged to one budget (a fresh one when None)."""
        if self.engine == "re2":
            # RE2's own scan encodes the text once; searching from each position instead would
            # encode it again every time (quadratic in a file full of matches).
            return _distinct(self.compiled.finditer(text))  # type: ignore[attr-defined]
        return self._scan(text, Budget() if budget is None else budget)

    def _scan(self, text: str, budget: Budget) -> Iterator[_Match]:
        pos = 0
        while pos <= len(text):
            match = self.search(text, pos, budget)
            if match is None:
                return
            yield match
            pos = match.end() if match.end() > match.start() else match.end() + 1


def _distinct(matches: Iterator[_Match]) -> Iterator[_Match]:
    """RE2's scan reports an empty match it found ahead of its position twice; once is right."""
    last = (-1, -1)
    for match in matches:
        span = (match.start(), match.end())
        if span != last:
            yield match
        last = span


@functools.lru_cache(maxsize=1024)
def compile_pattern(source: str) -> PolicyPattern:
    """Compile ``source``; raises InvalidPattern with the engine's message."""
    import re2

    options = re2.Options()
    options.log_errors = False
    try:
        return PolicyPattern(source, "re2", re2.compile(source, options))
    except re2.error:
        pass
    import regex

    try:
        return PolicyPattern(source, "regex", regex.compile(source, regex.VERSION0))
    except regex.error as exc:
        raise InvalidPattern(f"invalid regular expression {source!r}: {exc}") from exc
