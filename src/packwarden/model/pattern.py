"""Policy regexes: RE2 when it can take the pattern, `regex` under a timeout when it cannot.

RE2 runs in linear time, so most policy patterns can never hang. Look-arounds and
back-references need a back-tracking engine; those run under ``regex`` with a timeout, and a
pattern that times out raises ``PatternTimeout`` for the caller to report against its pack.
"""

from __future__ import annotations

import functools

from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Protocol

    class _Match(Protocol):
        def start(self) -> int: ...
        def end(self) -> int: ...


TIMEOUT_SECONDS = 0.25


class PatternTimeout(Exception):
    """A back-tracking pattern ran longer than TIMEOUT_SECONDS."""


class InvalidPattern(ValueError):
    """Neither engine accepts the pattern."""


class PolicyPattern(Record):
    source: str
    engine: str
    compiled: object

    def search(self, text: str, pos: int = 0) -> _Match | None:
        if self.engine == "re2":
            return self.compiled.search(text, pos)  # type: ignore[attr-defined, no-any-return]
        try:
            return self.compiled.search(text, pos, timeout=TIMEOUT_SECONDS)  # type: ignore[attr-defined, no-any-return]
        except TimeoutError as exc:
            raise PatternTimeout(self.source) from exc

    def matches(self, text: str) -> bool:
        """Whether ``pattern`` matches anywhere in ``text``. RE2 is given the UTF-8 bytes it works
        on: its wrapper would otherwise map every offset back to characters (~2.5x the time)."""
        if self.engine == "re2":
            return self.compiled.search(text.encode("utf-8", "surrogatepass")) is not None  # type: ignore[attr-defined]
        return self.search(text) is not None

    def finditer(self, text: str) -> list[_Match]:
        """All non-overlapping matches, scanning with ``search`` so the timeout applies."""
        found: list[_Match] = []
        pos = 0
        while pos <= len(text):
            match = self.search(text, pos)
            if match is None:
                break
            found.append(match)
            pos = match.end() if match.end() > match.start() else match.end() + 1
        return found


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
