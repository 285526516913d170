"""git sources against real bare repositories made here: refs, pins, signatures, hostile trees."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from packwarden.packs.sources import Snapshot, SourceError, SourceSpec, fetch, gitrun
from tests.support.gitrepo import git, make_repo, write_files

PACK = "meta: {key: acme, version: '1.0'}\nrules: []\n"
needs_ssh_keygen = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")


@pytest.fixture(autouse=True)
def _home(monkeypatch: pytest.MonkeyPatch) -> None:
    """A source's git runs without GIT_CONFIG_GLOBAL (every GIT_* is dropped): give it a HOME
    with no .gitconfig rather than the developer's."""
    monkeypatch.setenv("HOME", os.environ["PACKWARDEN_TEST_HOME"])


class Central:
    """A pack repository: a working repository ``work`` and the bare ``remote`` it pushes to."""

    def __init__(self, root: Path) -> None:
        self.work = make_repo(root / "central-work", {"acme@1.0/pack.yaml": PACK, "README.md": "packs\n"})
        self.remote = root / "central.git"
        git(root, "clone", "-q", "--bare", str(self.work), str(self.remote))

    def commit(self, files: dict[str, str | bytes], message: str = "change", *sign: str) -> str:
        write_files(self.work, files)
        git(self.work, "add", "-A")
        git(self.work, *sign, "commit", "-q", *(["-S"] if sign else []), "-m", message)
        return self.head()

    def head(self, ref: str = "HEAD") -> str:
        return git(self.work, "rev-parse", ref).strip()

    def push(self) -> None:
        git(self.work, "push", "-q", "--force", "--tags", str(self.remote), "main")


@pytest.fixture
def central(tmp_path: Path) -> Central:
    return Central(tmp_path)


def pull(tmp_path: Path, location: str, ref: str | None = None, **options: str | None) -> Snapshot:
    spec = SourceSpec(name="acme", kind="git", location=location, ref=ref, allowed_signers=options.get("signers"))
    work = options.get("work") or str(tmp_path / "cache" / "acme")
    return fetch(spec, root=str(tmp_path), work=work, pinned=options.get("pinned"))


def test_a_tag_gives_its_commit_and_the_packs_in_its_tree(tmp_path: Path, central: Central) -> None:
    first = central.head()
    git(central.work, "tag", "-a", "-m", "release", "v1.0.0")
    central.commit({"acme@1.0/pack.yaml": PACK + "# later\n", "acme@1.0/examples/fail/s.yaml": "x: 1\n"})
    central.commit({"projects/payments-api.yml": "pack: acme@1.0\n"})
    central.push()
    snapshot = pull(tmp_path, str(central.remote), "v1.0.0")
    assert snapshot.resolved == first
    assert dict(snapshot.packs) == {"acme@1.0": {"pack.yaml": PACK.encode()}}
    assert dict(snapshot.projects) == {}
    latest = pull(tmp_path, str(central.remote), "main")
    assert latest.resolved == central.head()
    assert dict(latest.packs) == {"acme@1.0": {"pack.yaml": (PACK + "# later\n").encode()}}  # no examples
    assert dict(latest.projects) == {"payments-api": b"pack: acme@1.0\n"}


def test_the_remote_head_a_commit_id_and_file_urls(tmp_path: Path, central: Central) -> None:
    first = central.head()
    central.commit({"acme@2.0/pack.yaml": PACK.replace("1.0", "2.0")})
    central.push()
    assert pull(tmp_path, str(central.remote)).resolved == central.head()
    by_id = pull(tmp_path, central.remote.as_uri(), first)
    assert by_id.resolved == first
    assert list(by_id.packs) == ["acme@1.0"]
    relative = pull(tmp_path, "central.git", "main")  # relative to the repository root
    assert sorted(relative.packs) == ["acme@1.0", "acme@2.0"]


def test_a_branch_moves_and_the_clone_is_reused(tmp_path: Path, central: Central) -> None:
    assert pull(tmp_path, str(central.remote), "main").resolved == central.head()
    clone = tmp_path / "cache" / "acme" / "clone.git"
    assert (clone / "HEAD").is_file()
    later = central.commit({"acme@1.0/pack.yaml": PACK + "# v2\n"})
    central.push()
    assert pull(tmp_path, str(central.remote), "main").resolved == later
    assert git(clone, "rev-parse", "refs/pw/heads/main").strip() == later


def test_two_pulls_at_once_share_the_clone(tmp_path: Path, central: Central) -> None:
    script = (
        "import sys\n"
        "from packwarden.packs.sources import SourceSpec, fetch\n"
        "spec = SourceSpec(name='acme', kind='git', location=sys.argv[1], ref='main')\n"
        "print(fetch(spec, root=sys.argv[2], work=sys.argv[3]).resolved)\n"
    )
    arguments = [sys.executable, "-c", script, str(central.remote), str(tmp_path), str(tmp_path / "cache" / "acme")]
    pulls = [subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(*process.communicate(timeout=120), process.returncode) for process in pulls]
    assert results == [(central.head() + "\n", "", 0)] * 2


def test_a_clone_that_is_no_longer_a_repository_is_made_again(tmp_path: Path, central: Central) -> None:
    first = pull(tmp_path, str(central.remote), "main")
    shutil.rmtree(tmp_path / "cache" / "acme" / "clone.git" / "objects")
    assert pull(tmp_path, str(central.remote), "main") == first


def test_a_pin_keeps_the_old_commit_after_its_tag_moved(tmp_path: Path, central: Central) -> None:
    git(central.work, "tag", "-a", "-m", "release", "v1")
    central.push()
    pinned = pull(tmp_path, str(central.remote), "v1")
    moved = central.commit({"acme@1.0/pack.yaml": PACK + "# moved\n"})
    git(central.work, "tag", "-f", "-a", "-m", "moved", "v1")
    central.push()
    again = pull(tmp_path, str(central.remote), "v1", pinned=pinned.resolved)
    assert again == pinned
    fresh = pull(tmp_path, str(central.remote), "v1", pinned=pinned.resolved, work=str(tmp_path / "fresh"))
    assert fresh == pinned  # fetched from the source, not the old clone
    assert pull(tmp_path, str(central.remote), "v1").resolved == moved


def test_a_pin_the_source_no_longer_has_is_named(tmp_path: Path, central: Central) -> None:
    git(central.work, "checkout", "-q", "-b", "experiment")
    gone = central.commit({"acme@1.0/pack.yaml": PACK + "# experiment\n"})
    git(central.work, "push", "-q", str(central.remote), "experiment")
    git(central.remote, "branch", "-D", "experiment")
    git(central.remote, "reflog", "expire", "--expire=now", "--all")
    git(central.remote, "gc", "-q", "--prune=now")
    with pytest.raises(SourceError) as caught:
        pull(tmp_path, str(central.remote), "main", pinned=gone)
    assert str(caught.value) == (
        f"source acme: {central.remote} no longer has commit {gone}, which the lock pins;"
        " run `packwarden pull --update` to pin what the source has now"
    )


@pytest.mark.parametrize(
    ("ref", "why"),
    [
        ("v9", "no tag or branch v9 at"),
        ("abc123", "(a commit is given by its full id)"),
        ("--upload-pack=touch /tmp/x", "is not a tag, branch or commit name"),
        ("a..b", "is not a tag, branch or commit name"),
        ("f" * 40, "no commit " + "f" * 40),
    ],
)
def test_unknown_or_malformed_refs_are_refused(tmp_path: Path, central: Central, ref: str, why: str) -> None:
    with pytest.raises(SourceError, match=r"^source acme: ") as caught:
        pull(tmp_path, str(central.remote), ref)
    assert why in str(caught.value)


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("ext::sh -c touch% /tmp/pwned", "remote helpers (ext::, fd::, ...) are not allowed"),
        ("fd::3", "remote helpers"),
        ("http://git.example.com/acme.git", "plain http:// is not allowed"),
        ("git://git.example.com/acme.git", "git:// is not allowed"),
        ("ftp://git.example.com/acme.git", "ftp:// is not allowed"),
        ("ssh://-oProxyCommand=touch/x", "a host starting with '-'"),
        ("-oProxyCommand=x@host:acme.git", "a user or host starting with '-'"),
        ("no/such/repository", "no such repository"),
        ("", "an empty git location"),
    ],
)
def test_locations_other_than_https_ssh_file_and_paths_are_refused(tmp_path: Path, location: str, why: str) -> None:
    with pytest.raises(SourceError, match=r"^source acme: ") as caught:
        pull(tmp_path, location, "main")
    assert why in str(caught.value)
    assert not (tmp_path / "cache" / "acme" / "clone.git").exists()  # refused before git ran


def test_the_users_index_and_repository_are_untouched_under_a_hooks_environment(
    tmp_path: Path, central: Central, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_repo(tmp_path / "user", {"a.txt": "one\n"})
    write_files(user, {"b.txt": "staged\n"})
    git(user, "add", "b.txt")
    index = (user / ".git" / "index").read_bytes()
    refs = git(user, "for-each-ref")
    objects = sorted(p.name for p in (user / ".git" / "objects").rglob("*"))
    monkeypatch.setenv("GIT_DIR", str(user / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(user / ".git" / "index"))
    monkeypatch.setenv("GIT_WORK_TREE", str(user))
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(user / ".git" / "objects"))
    monkeypatch.chdir(user)
    snapshot = pull(tmp_path, str(central.remote), "main")
    assert snapshot.resolved == central.head()
    assert (user / ".git" / "index").read_bytes() == index
    assert git(user, "for-each-ref") == refs
    assert sorted(p.name for p in (user / ".git" / "objects").rglob("*")) == objects
    assert os.environ["GIT_DIR"] == str(user / ".git")  # the hook's environment is given back
    assert os.environ["GIT_INDEX_FILE"] == str(user / ".git" / "index")


def test_links_out_of_a_pack_and_submodules_in_a_commit_are_refused(tmp_path: Path, central: Central) -> None:
    os.symlink("../../README.md", central.work / "acme@1.0" / "readme.yaml")
    central.commit({})
    central.push()
    with pytest.raises(SourceError, match=r"acme@1\.0/readme\.yaml: a link that leads out of acme@1\.0"):
        pull(tmp_path, str(central.remote), "main")
    (central.work / "acme@1.0" / "readme.yaml").unlink()
    os.symlink("pack.yaml", central.work / "acme@1.0" / "alias.yaml")
    central.commit({})
    central.push()
    assert pull(tmp_path, str(central.remote), "main").packs["acme@1.0"]["alias.yaml"] == PACK.encode()
    git(central.work, "update-index", "--add", "--cacheinfo", f"160000,{central.head()},acme@1.0/vendored")
    git(central.work, "commit", "-q", "-m", "a submodule")
    central.push()
    with pytest.raises(SourceError, match=r"acme@1\.0/vendored: a submodule \(submodules are not followed\)"):
        pull(tmp_path, str(central.remote), "main")


def test_odd_names_in_a_commit_are_refused(tmp_path: Path, central: Central) -> None:
    with open(os.fsencode(central.work / "acme@1.0") + b"/caf\xe9.yaml", "wb") as handle:
        handle.write(b"x: 1\n")
    central.commit({})
    central.push()
    with pytest.raises(SourceError, match=r"^source acme: acme@1\.0/caf\\udce9\.yaml: a name with .* invalid UTF-8"):
        pull(tmp_path, str(central.remote), "main")
    central.commit({"-rf@1.0/pack.yaml": PACK})
    central.push()
    with pytest.raises(SourceError, match=r"^source acme: -rf@1\.0: not a pack name"):
        pull(tmp_path, str(central.remote), "main")


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a server that hangs)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_a_source_that_never_answers_is_given_up_on(
    tmp_path: Path, silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gitrun, "NETWORK_TIMEOUT", 1.0)
    with pytest.raises(SourceError) as caught:
        pull(tmp_path, f"https://127.0.0.1:{silent_server}/acme.git", "main")
    assert "cannot fetch from https://127.0.0.1" in str(caught.value)
    assert "git fetch did not finish within 1 seconds and was stopped" in str(caught.value)


# --- signatures ---------------------------------------------------------------------------


class Keys:
    def __init__(self, root: Path) -> None:
        root.mkdir()
        self.allowed, self.stranger = root / "allowed", root / "stranger"
        for key in (self.allowed, self.stranger):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key.name, "-f", str(key)], check=True)
        self.signers = root / "allowed_signers"
        public = (root / "allowed.pub").read_text().strip()
        self.signers.write_text(f'test@example.invalid namespaces="git" {public}\n')

    @staticmethod
    def sign_with(key: Path) -> tuple[str, ...]:
        return ("-c", "gpg.format=ssh", "-c", f"user.signingkey={key}")


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return Keys(tmp_path / "keys")


@needs_ssh_keygen
def test_a_tag_signed_by_an_allowed_signer_passes(tmp_path: Path, central: Central, keys: Keys) -> None:
    git(central.work, *keys.sign_with(keys.allowed), "tag", "-s", "-m", "signed", "v1")
    central.push()
    snapshot = pull(tmp_path, str(central.remote), "v1", signers=str(keys.signers))
    assert snapshot.resolved == central.head()
    assert pull(tmp_path, str(central.remote), "v1", signers=str(keys.signers), pinned=snapshot.resolved) == snapshot


@needs_ssh_keygen
@pytest.mark.parametrize(
    ("make_tag", "why"),
    [
        (lambda k: ("tag", "-a", "-m", "unsigned", "v1"), "tag v1 carries no valid signature by an allowed signer"),
        (lambda k: (*Keys.sign_with(k.stranger), "tag", "-s", "-m", "x", "v1"), "(No principal matched.)"),
        (lambda k: ("tag", "v1"), "carries no valid signature by an allowed signer"),
    ],
    ids=["unsigned", "unknown-signer", "lightweight-on-unsigned-commit"],
)
def test_anything_but_a_valid_allowed_signature_fails_closed(
    tmp_path: Path,
    central: Central,
    keys: Keys,
    make_tag,
    why: str,  # type: ignore[no-untyped-def]
) -> None:
    git(central.work, *make_tag(keys))
    central.push()
    with pytest.raises(SourceError, match=r"^source acme: ") as caught:
        pull(tmp_path, str(central.remote), "v1", signers=str(keys.signers))
    assert why in str(caught.value)


@needs_ssh_keygen
def test_a_lightweight_tag_passes_on_a_signed_commit(tmp_path: Path, central: Central, keys: Keys) -> None:
    signed = central.commit({"acme@1.0/pack.yaml": PACK + "# signed\n"}, "signed", *keys.sign_with(keys.allowed))
    git(central.work, "tag", "v2")
    central.push()
    assert pull(tmp_path, str(central.remote), "v2", signers=str(keys.signers)).resolved == signed
    with pytest.raises(SourceError, match=f"commit {central.head('HEAD~1')} carries no valid signature"):
        pull(tmp_path, str(central.remote), central.head("HEAD~1"), signers=str(keys.signers))


@needs_ssh_keygen
def test_a_pin_whose_signed_tag_moved_needs_a_signed_commit(tmp_path: Path, central: Central, keys: Keys) -> None:
    git(central.work, *keys.sign_with(keys.allowed), "tag", "-s", "-m", "signed", "v1")
    central.push()
    pinned = pull(tmp_path, str(central.remote), "v1", signers=str(keys.signers)).resolved
    central.commit({"acme@1.0/pack.yaml": PACK + "# moved\n"})
    git(central.work, *keys.sign_with(keys.allowed), "tag", "-f", "-s", "-m", "moved", "v1")
    central.push()
    with pytest.raises(SourceError) as caught:
        pull(tmp_path, str(central.remote), "v1", signers=str(keys.signers), pinned=pinned, work=str(tmp_path / "new"))
    assert f"commit {pinned} (tag v1 no longer points at it) carries no valid signature" in str(caught.value)


@needs_ssh_keygen
def test_a_missing_allowed_signers_file_fails_closed(tmp_path: Path, central: Central) -> None:
    with pytest.raises(SourceError, match=r"allowed_signers file .* does not exist"):
        pull(tmp_path, str(central.remote), "main", signers=str(tmp_path / "nope"))
