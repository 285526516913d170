"""The git calls packwarden needs, through the git executable.

gitpython wraps the same executable but costs ~70 ms to import, more than the whole hook's
budget (see docs/performance.md), so this module speaks to git directly. Every call runs in
``gitenv.git_environment()``: GIT_INDEX_FILE set by ``git commit -a`` or ``git commit <path>``
and GIT_DIR of linked worktrees are honoured as git itself honours them, while the variables
that would change git's answers (pathspec magic, external diff, ...) are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from packwarden.gitenv import DIFF_CACHED, OPTIONS, git_environment
from packwarden.model.errors import GitError
from packwarden.model.record import Record

MODE_SYMLINK = "120000"
MODE_SUBMODULE = "160000"
MODE_DELETED = "000000"  # what ``git diff --raw`` gives as the new mode of a deleted file


class IndexEntry(Record):
    path: str
    mode: str
    oid: str


def git_command(args: Sequence[str], cwd: str) -> list[str]:
    """The command line of one git call, run as if started in ``cwd``."""
    return ["git", "-C", cwd, *OPTIONS, *args]


def run_git(args: Sequence[str], cwd: str) -> bytes:
    from packwarden import spawn  # not subprocess: ~48 M instructions to import

    try:
        status, out, err = spawn.run(git_command(args, cwd), git_environment())
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror}") from exc
    if status != 0:
        message = err.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[-1] if message else status}")
    return out


def _split_z(out: bytes) -> list[str]:
    return [part.decode("utf-8", "surrogateescape") for part in out.split(b"\0") if part]


def tracked_files(cwd: str, under: Sequence[str] = (), *, untracked: bool = False) -> list[str]:
    """Paths in the index, relative to ``cwd`` (``untracked``: and files git does not ignore)."""
    others = ["--cached", "--others", "--exclude-standard"] if untracked else []
    return _split_z(run_git(["--literal-pathspecs", "ls-files", "-z", *others, "--", *under], cwd))


def index_entries(cwd: str, under: Sequence[str] = ()) -> list[IndexEntry]:
    """Index entries (mode, blob id, path relative to ``cwd``), stage 0 only; all, or ``under``."""
    entries = []
    for record in _split_z(run_git(["--literal-pathspecs", "ls-files", "-s", "-z", "--", *under], cwd)):
        meta, _, path = record.partition("\t")
        mode, oid, stage = meta.split(" ")
        if stage == "0":
            entries.append(IndexEntry(path, mode, oid))
    return entries


def staged_entries(cwd: str) -> list[IndexEntry]:
    """Entries added, copied, modified, changed in type or deleted in the index, relative to
    ``cwd``; a deletion has mode MODE_DELETED."""
    out = run_git([*DIFF_CACHED, "--relative"], cwd)
    parts = out.split(b"\0")
    entries = []
    for meta, path in zip(parts[0::2], parts[1::2], strict=False):
        if not meta.startswith(b":"):
            continue
        fields = meta[1:].decode("ascii").split(" ")
        entries.append(IndexEntry(path.decode("utf-8", "surrogateescape"), fields[1], fields[3]))
    return entries


def read_blobs(cwd: str, oids: Sequence[str], max_bytes: int) -> dict[str, bytes | int]:
    """Blob contents by id through one ``git cat-file --batch``; the size for blobs over the cap."""
    if not oids:
        return {}
    import subprocess
    import threading

    process = subprocess.Popen(
        git_command(["cat-file", "--batch"], cwd),
        env=git_environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None
    request = "".join(f"{oid}\n" for oid in oids).encode("ascii")

    def feed() -> None:
        assert process.stdin is not None
        try:
            process.stdin.write(request)
        finally:
            process.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    blobs: dict[str, bytes | int] = {}
    out = process.stdout
    try:
        for _ in oids:
            header = out.readline().split()
            if len(header) != 3:
                raise GitError(f"git cat-file: object {header[0].decode() if header else '?'} is missing")
            oid, size = header[0].decode("ascii"), int(header[2])
            if size > max_bytes:
                remaining = size + 1
                while remaining:
                    remaining -= len(out.read(min(remaining, 1 << 20)))
                blobs[oid] = size
            else:
                blobs[oid] = out.read(size)
                out.read(1)
    finally:
        writer.join()
        out.close()
        process.wait()
    return blobs


def resolve_commit(cwd: str, ref: str) -> str:
    """The full id of the commit ``ref`` names; GitError when it names none."""
    try:
        out = run_git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], cwd)
    except GitError:
        out = b""
    found = out.decode("ascii", "replace").strip()
    if not found:
        raise GitError(f"{ref}: not a commit in this repository")
    return found


def tree_entries(cwd: str, commit: str) -> list[IndexEntry]:
    """Every entry of ``commit``'s tree below ``cwd`` (mode, object id, path relative to ``cwd``)."""
    entries = []
    for record in _split_z(run_git(["ls-tree", "-r", "-z", "--end-of-options", commit], cwd)):
        meta, _, path = record.partition("\t")
        mode, _, oid = meta.split(" ")
        entries.append(IndexEntry(path, mode, oid))
    return entries


def changed_paths(cwd: str, base: str, head: str) -> list[str]:
    """Paths below ``cwd`` (relative to it) that differ between the commits ``base`` and ``head``."""
    out = run_git(["diff", "--name-only", "-z", "--no-renames", "--relative", base, head, "--"], cwd)
    return _split_z(out)


class LoggedCommit(Record):
    sha: str
    message: str  # as git stores it
    paths: tuple[str, ...]  # changed by it (against its first parent; none for a merge), relative to cwd


def commit_log(cwd: str, revisions: Sequence[str]) -> list[LoggedCommit]:
    """The commits ``revisions`` (``A..B``, or ``B`` for its whole history) names, newest first,
    each with its message and changed paths: one ``git log`` process.

    Read with ``--raw -z``: every path follows its own ``:mode ...`` field, so a message or a
    path, whatever it holds, is never taken for the other.
    """
    args = ["log", "-z", "--raw", "--no-renames", "--no-abbrev", "--relative", "--format=%H%x00%B"]
    tokens = run_git([*args, *revisions, "--"], cwd).split(b"\0")
    commits: list[LoggedCommit] = []
    index = 0
    while index + 1 < len(tokens):
        sha = tokens[index].strip(b"\n").decode("ascii")
        if not sha:
            index += 1
            continue
        message = tokens[index + 1].decode("utf-8", "replace")
        index += 2
        paths: list[str] = []
        while index + 1 < len(tokens) and tokens[index].lstrip(b"\n").startswith(b":"):
            paths.append(tokens[index + 1].decode("utf-8", "surrogateescape"))
            index += 2
        commits.append(LoggedCommit(sha, message, tuple(paths)))
    return commits
