"""The fenced examples of the documentation pages, with their ``docs-test`` annotations.

A page says how an example is tested with an HTML comment right before its fence (GitHub does
not render it)::

    <!-- docs-test: skip reason="needs the network" -->
    <!-- docs-test: repo=empty -->
    <!-- docs-test: as=packs/ours.yaml -->
    <!-- docs-test: needs=bwrap -->

and a shell command that is meant to fail says so on its own line: ``cmd  # exits 1``.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

# Fence info string -> what runs it.
LANGUAGES = {
    "sh": "shell",
    "bash": "shell",
    "shell": "shell",
    "console": "console",
    "yaml": "yaml",
    "yml": "yaml",
    "python": "python",
    "py": "python",
}
# Every key an annotation may use, and whether it takes a value.
OPTIONS = {
    "skip": False,  # do not run; needs reason="..."
    "reason": True,
    "repo": True,  # the scratch repository: demo (default), empty, betty, packwarden
    "as": True,  # where a YAML example goes in the scratch repository
    "slow": False,  # a pytest.mark.slow example
    "needs": True,  # a system tool (bwrap): skipped without it, unless PACKWARDEN_REQUIRE_<TOOL> is set (CI)
}
NEEDS = ("bwrap",)
REPOS = ("demo", "empty", "betty", "packwarden")
ANNOTATION = re.compile(r"^\s*<!--\s*docs-test:(?P<body>.*?)-->\s*$", re.DOTALL)
# ``cmd   # exits 2: why`` -> the command, and the exit code it must return.
EXITS = re.compile(r"\s+#\s*exits\s+(?P<code>\d+)\b.*$")
# A YAML example whose first line names its file: ``# .packwarden/policy.yml``.
YAML_TARGET = re.compile(r"^#\s*(?P<path>[\w./-]+\.ya?ml)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced example: where it is, what it says, and how its page wants it tested."""

    page: str  # relative to the project root, with /
    index: int  # 1-based, among the page's tested blocks
    line: int  # 1-based line of the opening fence
    language: str  # shell, console, yaml, python
    text: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.page}#{self.index}:L{self.line}-{self.language}"

    @property
    def repo(self) -> str:
        return self.options.get("repo", "demo")

    def doc_line(self, offset: int) -> int:
        """The page line of the block's ``offset``-th line (1-based)."""
        return self.line + offset


@dataclass(frozen=True)
class Command:
    """One shell command of a block, at its page line, with the exit code the page claims."""

    line: int
    text: str
    exit_code: int
    output: tuple[str, ...] = ()  # console blocks: the output lines shown under the command


class AnnotationError(ValueError):
    pass


def parse_annotation(body: str, where: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for token in shlex.split(body):
        key, sep, value = token.partition("=")
        if key not in OPTIONS:
            raise AnnotationError(f"{where}: unknown docs-test option {key!r} (known: {', '.join(OPTIONS)})")
        if OPTIONS[key] != bool(sep) or (sep and not value):
            raise AnnotationError(f"{where}: docs-test option {key!r} {'needs' if OPTIONS[key] else 'takes no'} value")
        options[key] = value
    if "skip" in options and "reason" not in options:
        raise AnnotationError(f'{where}: docs-test skip needs reason="..."')
    if "reason" in options and "skip" not in options:
        raise AnnotationError(f"{where}: docs-test reason without skip")
    if options.get("repo", "demo") not in REPOS:
        raise AnnotationError(f"{where}: docs-test repo must be one of {', '.join(REPOS)}")
    if options.get("needs", NEEDS[0]) not in NEEDS:
        raise AnnotationError(f"{where}: docs-test needs must be one of {', '.join(NEEDS)}")
    return options


def page_blocks(root: Path, page: str) -> list[Block]:
    """The tested blocks of ``page``; raises AnnotationError for a malformed or stray annotation."""
    text = (root / page).read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").parse(text)
    blocks: list[Block] = []
    pending: dict[str, str] = {}
    pending_at = 0
    for token in tokens:
        if token.type == "html_block" and "docs-test:" in token.content:
            match = ANNOTATION.match(token.content)
            where = f"{page}:{token.map[0] + 1 if token.map else '?'}"
            if not match:
                raise AnnotationError(f"{where}: write a docs-test annotation as one <!-- docs-test: ... --> comment")
            pending = {**pending, **parse_annotation(match["body"], where)}
            pending_at = token.map[0] + 1 if token.map else 0
            continue
        if token.type == "fence" and token.map is not None:
            language = LANGUAGES.get(token.info.strip().split(" ")[0].lower())
            if language is not None:
                blocks.append(Block(page, len(blocks) + 1, token.map[0] + 1, language, token.content, pending))
            elif pending:
                raise AnnotationError(f"{page}:{pending_at}: docs-test annotation on a block that is not tested")
            pending = {}
            continue
        if pending and token.type not in ("inline",) and token.nesting != -1:
            raise AnnotationError(f"{page}:{pending_at}: docs-test annotation not followed by a fenced block")
    if pending:
        raise AnnotationError(f"{page}:{pending_at}: docs-test annotation at the end of the page")
    return blocks


def strip_comment(line: str) -> str:
    """``line`` without a trailing shell comment (a ``#`` after a blank, outside quotes)."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def commands(block: Block) -> list[Command]:
    """Shell commands with their claimed exit codes (console: ``$ `` lines and their output)."""
    lines = block.text.splitlines()
    if block.language == "shell":
        found = []
        for offset, line in enumerate(lines, start=1):
            match = EXITS.search(line)
            if match:
                found.append(Command(block.doc_line(offset), strip_comment(line), int(match["code"])))
        return found
    console: list[Command] = []
    for offset, line in enumerate(lines, start=1):
        if line.startswith("$ "):
            match = EXITS.search(line)
            code = int(match["code"]) if match else 0
            console.append(Command(block.doc_line(offset), strip_comment(line[2:]), code))
        elif console and line.strip():
            last = console[-1]
            console[-1] = Command(last.line, last.text, last.exit_code, (*last.output, line.rstrip()))
        elif line.strip():
            raise AnnotationError(f"{block.page}:{block.doc_line(offset)}: console output before any '$ ' command")
    return console


def shell_script(block: Block, outputs: Path) -> str:
    """A bash script that runs ``block`` with ``set -e`` and checks every claimed exit code.

    Each page line stays one script line (after a one-line preamble), so an unexpected failure
    names its page line. A ``# exits N`` command runs as an ``if`` condition, where ``set -e``
    does not stop the script, and its code is compared with N. Console commands write their
    output to ``outputs/<page line>`` for the caller to compare with what the page shows.
    """
    preamble = (
        "set -eEuo pipefail; "
        '__expect() { if [ "$3" != "$2" ]; then '
        'echo "docs-test: line $1: expected exit $2, got $3" >&2; exit 97; fi; }; '
        f"trap '__rc=$?; echo \"docs-test: line $((LINENO - 1 + {block.line})) failed with exit $__rc\" >&2' ERR"
    )
    claimed = {command.line: command for command in commands(block)}
    script = [preamble]
    for offset, line in enumerate(block.text.splitlines(), start=1):
        command = claimed.get(block.doc_line(offset))
        if command is None:
            script.append("" if block.language == "console" else line)
            continue
        redirect = f' >"{outputs}/{command.line}" 2>&1' if block.language == "console" else ""
        script.append(
            f"if {{ {command.text}; }}{redirect}; then __rc=0; else __rc=$?; fi; "
            f"__expect {command.line} {command.exit_code} $__rc"
        )
    return "\n".join(script) + "\n"
