"""Plugins under the operating contract, through the real CLI in real git repositories, and
through the real ``pre-commit`` where the hook is what is shown (``policy-check``).

The repository selects the built-in ``plugin-contract@1.0`` (in block mode, so that an error
fails the hook): these tests hold the shipped pack to what issue 11 asks of it.

- ``plugin scaffold`` then ``plugin validate`` passes; a changed spec version makes
  ``policy-check`` report the stale ``manifest.json`` field with the command that regenerates it;
  scaffolding again keeps the handler's code between the AUTO markers, and the hook passes.
- A handler that writes a file and opens a socket when imported is reported by
  ``policy-check``, and nothing is written and no connection is made: no hook imports a handler.
- Hostile handler source gives a finding each, never a crash or a hang of ``packwarden check``.
- A commit that changes only the contract re-checks every plugin, at ``check --staged`` and at
  the commit-msg gate.
"""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from tests.acceptance.conftest import BIN, configured_repo, pre_commit, run_tool, tool_env
from tests.support.gitrepo import git, make_repo, stage, write_files
from tests.support.plugins import CONTRACT, CONTRACT_PATH, plugin_spec

POLICY = {".packwarden/policy.yml": "pack: plugin-contract@1.0\nmode: block\n"}
BEGIN, END = "# BEGIN AUTO SECTION", "# END AUTO SECTION"
HANG_GUARD = 300  # seconds: only so that a hang fails the test instead of stalling the suite


def spec(name: str, outputs: tuple[str, ...] = ("route_ticket", "notify"), version: str = "1.0.0") -> str:
    """A good spec (``plugin_spec``) as the text of a plugin.spec.json."""
    return json.dumps(plugin_spec(name, outputs=outputs, version=version), indent=2)


def packwarden(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``packwarden ARGS`` as a real process, with a generous timeout as a hang guard only."""
    return subprocess.run(
        [str(BIN / "packwarden"), *args],
        cwd=repo,
        env=tool_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=HANG_GUARD,
    )


def scaffold(repo: Path, name: str) -> None:
    done = packwarden(repo, "plugin", "scaffold", f"plugins/{name}/plugin.spec.json")
    assert done.returncode == 0, done.stdout + done.stderr


def with_auto_section(handler: str, code: str) -> str:
    """``handler`` with the code between its AUTO markers replaced by ``code``."""
    head, rest = handler.split(BEGIN + "\n", 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{code}{END}{tail}"


def auto_section(handler: str) -> str:
    return handler.split(BEGIN + "\n", 1)[1].split(END, 1)[0]


# --- scaffold, validate, a stale manifest at policy-check, regenerate ----------------------------

AUTHOR_CODE = """
QUEUES = {"high": "support-priority"}


def handle(event):
    priority = event.get("payload", {}).get("priority", "normal")
    return [{"action": "route_ticket", "payload": {"queue": QUEUES.get(priority, "support")}}]


"""


@pytest.mark.slow
def test_scaffold_validate_then_a_spec_version_change_is_stale_at_policy_check_until_regenerated(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    files = {**POLICY, CONTRACT_PATH: CONTRACT, "plugins/ticket-router/plugin.spec.json": spec("ticket-router")}
    repo = configured_repo(tmp_path / "repo", hook_repo, files)
    folder = repo / "plugins/ticket-router"

    scaffold(repo, "ticket-router")  # the contract is the one the effective policy names
    handler = folder / "handler.py"
    handler.write_text(with_auto_section(handler.read_text(encoding="utf-8"), AUTHOR_CODE), encoding="utf-8")
    validated = packwarden(repo, "plugin", "validate", "plugins/ticket-router")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "ticket-router 1.0.0")

    stage(repo, {"plugins/ticket-router/plugin.spec.json": spec("ticket-router", version="1.1.0")})
    done = pre_commit(repo, pre_commit_home, "run")

    assert done.code == 1, done.output
    stale = [line for line in done.output.splitlines() if "plugins/ticket-router/manifest.json:" in line]
    assert len(stale) == 1, done.output
    assert " error plugin.generated.stale manifest.json: version is '1.0.0'; " in stale[0]
    assert "make it '1.1.0'" in stale[0]
    assert "fix: regenerate: packwarden plugin scaffold plugins/ticket-router/plugin.spec.json" in done.output
    assert "Traceback" not in done.output

    scaffold(repo, "ticket-router")  # the command the finding gives
    regenerated = handler.read_text(encoding="utf-8")
    assert auto_section(regenerated) == AUTHOR_CODE
    assert '"1.1.0"' in regenerated  # the generated part is rewritten
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["version"] == "1.1.0"
    git(repo, "add", "-A")
    again = pre_commit(repo, pre_commit_home, "run")
    assert again.code == 0, again.output
    assert "plugin." not in again.output
    assert packwarden(repo, "plugin", "validate", "plugins/ticket-router").returncode == 0


# --- a hostile handler is read, never imported -----------------------------------------------------


@pytest.mark.slow
def test_a_handler_that_writes_a_file_and_opens_a_socket_on_import_is_reported_and_never_run(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    target = tmp_path / "written-by-the-handler"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        on_import = (
            "\nimport socket\n"
            f"with open({str(target)!r}, 'w') as out:\n"
            "    out.write('the handler ran')\n"
            f"socket.create_connection(('127.0.0.1', {port}), timeout=5).sendall(b'the handler ran')\n"
            "\n\ndef handle(event):\n    return []\n\n\n"
        )
        repo = configured_repo(
            tmp_path / "repo",
            hook_repo,
            {**POLICY, CONTRACT_PATH: CONTRACT, "plugins/evil/plugin.spec.json": spec("evil")},
        )
        scaffold(repo, "evil")
        handler = repo / "plugins/evil/handler.py"
        handler.write_text(with_auto_section(handler.read_text(encoding="utf-8"), on_import), encoding="utf-8")
        git(repo, "add", "-A")

        done = pre_commit(repo, pre_commit_home, "run")
        checked = packwarden(repo, "check", "--all-files")  # and the CLI, outside pre-commit
        validated = packwarden(repo, "plugin", "validate", "plugins/evil")

        assert done.code == 1, done.output
        forbidden = [line for line in done.output.splitlines() if " error plugin.handler.forbidden " in line]
        assert any(line.startswith("plugins/evil/handler.py:") and "import of socket" in line for line in forbidden)
        assert any("use of socket.create_connection" in line for line in forbidden), done.output
        assert checked.returncode == 1 and "plugin.handler.forbidden" in checked.stdout
        assert validated.returncode == 1 and "plugin.handler.forbidden" in validated.stdout
        assert not target.exists()
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected


# --- hostile source: a finding each, no crash, no hang --------------------------------------------

MIB = 1 << 20
HEAD = f"{BEGIN}\ndef handle(event):\n    return []\n{END}\n"
HOSTILE = {
    "nested-brackets": "(" * 100_000 + ")" * 100_000,
    "unary-minus": HEAD + "x = " + "-" * 100_000 + "1\n",
    "attribute-chain": HEAD + "x = a" + ".b" * 200_000 + "\n",
    "null-bytes": HEAD.replace("return []", "return []\x00") + "\x00\x00\n",
    "one-mib-line": HEAD + "x = 1" + " + 1" * (MIB // 4) + "\n",  # the file is over the size limit
    "line-just-under-one-mib": HEAD + "x = 1" + " + 1" * ((MIB - 200) // 4) + "\n",  # parsed: too deep
    "dotted-import": HEAD + "import " + ".".join(["a"] * 40_000) + "\n",
    "f-string-fields": HEAD + 'x = f"' + "{a}" * 300_000 + '"\n',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_handler_source_gives_a_finding_and_never_crashes_the_check(tmp_path: Path, name: str) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {**POLICY, CONTRACT_PATH: CONTRACT, f"plugins/{name}/plugin.spec.json": spec(name)},
    )
    (repo / f"plugins/{name}/handler.py").write_bytes(HOSTILE[name].encode("utf-8"))
    git(repo, "add", "-A")

    done = packwarden(repo, "check", "--all-files", "--format", "json")  # returns, or the guard fails it

    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    findings = json.loads(done.stdout)["findings"]
    at_handler = {f["rule"] for f in findings if f["path"] == f"plugins/{name}/handler.py"}
    assert at_handler & {"plugin.handler.syntax", "parse.too-large"}, findings


# --- a changed contract re-checks every plugin ----------------------------------------------------

PLUGINS = {  # name -> outputs: two use notify, one does not
    "escalator": ("route_ticket", "notify"),
    "pager": ("notify",),
    "router": ("route_ticket",),
}
WITHOUT_NOTIFY = CONTRACT.replace("  notify: {channel: str, message: str}\n", "")


def _plugins_repo(root: Path) -> Path:
    files = {f"plugins/{name}/plugin.spec.json": spec(name, outputs) for name, outputs in PLUGINS.items()}
    repo = make_repo(root, {**POLICY, CONTRACT_PATH: CONTRACT, **files}, commit=False)
    for name in PLUGINS:
        scaffold(repo, name)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "three plugins")
    assert packwarden(repo, "check", "--all-files").returncode == 0
    return repo


def _plugins_with(findings: str, rule: str) -> set[str]:
    return {line.split("/")[1] for line in findings.splitlines() if f" {rule} " in line and line.startswith("plugins/")}


def test_a_commit_of_only_the_contract_rechecks_every_plugin_at_check_staged_and_at_the_gate(tmp_path: Path) -> None:
    repo = _plugins_repo(tmp_path / "repo")
    stage(repo, {CONTRACT_PATH: WITHOUT_NOTIFY})
    assert git(repo, "diff", "--cached", "--name-only").split() == [CONTRACT_PATH]
    write_files(repo, {CONTRACT_PATH: CONTRACT})  # the working tree still allows notify: --staged reads the index

    staged = packwarden(repo, "check", "--staged")
    gate = packwarden(repo, "gate")
    working_tree = packwarden(repo, "check", CONTRACT_PATH)

    for done in (staged, gate):
        assert done.returncode == 1, done.stdout + done.stderr
        assert _plugins_with(done.stdout, "plugin.spec.outputs-allowed") == {"escalator", "pager"}
        assert _plugins_with(done.stdout, "plugin.spec.rule-actions-allowed") == {"escalator", "pager"}
        assert "router" not in {line.split("/")[1] for line in done.stdout.splitlines() if line.startswith("plugins/")}
    assert "22 files · " in staged.stdout  # three plugins of seven files each, and the contract
    assert "commit blocked" in gate.stdout + gate.stderr
    assert working_tree.returncode == 0, working_tree.stdout  # the same plugins against the unstaged contract


def test_a_broken_contract_blocks_every_plugin_in_warn_mode(tmp_path: Path) -> None:
    repo = _plugins_repo(tmp_path / "repo")
    stage(repo, {".packwarden/policy.yml": "pack: plugin-contract@1.0\nmode: warn\n"})
    git(repo, "commit", "-q", "-m", "warn mode")
    stage(repo, {CONTRACT_PATH: CONTRACT.replace('contract_version: "1.0"', "contract_version: 1.10")})

    staged = packwarden(repo, "check", "--staged")
    gate = packwarden(repo, "gate")

    for done in (staged, gate):
        assert done.returncode == 1, done.stdout + done.stderr
        assert f"{CONTRACT_PATH}:2:19: block plugin.contract-invalid" in done.stdout
    assert run_tool(repo, "packwarden", "plugin", "validate", "plugins/router").returncode == 1


# --- the commands refuse rather than lose code or pass with nothing checked -----------------------


def test_scaffold_refuses_a_handler_whose_markers_are_gone_and_writes_nothing(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "repo", {**POLICY, CONTRACT_PATH: CONTRACT, "plugins/router/plugin.spec.json": spec("router")}
    )
    scaffold(repo, "router")
    folder = repo / "plugins/router"
    own = "def handle(event):\n    return []  # the author's code, markers deleted\n"
    (folder / "handler.py").write_text(own, encoding="utf-8")
    write_files(repo, {"plugins/router/plugin.spec.json": spec("router", version="2.0.0")})
    before = {path.name: path.read_bytes() for path in folder.iterdir()}

    done = packwarden(repo, "plugin", "scaffold", "plugins/router/plugin.spec.json")

    assert done.returncode == 2, done.stdout + done.stderr
    assert (
        "plugins/router/handler.py:1: handler.py has no '# BEGIN AUTO SECTION' line; nothing was written" in done.stderr
    )
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before  # the manifest too


@pytest.mark.parametrize("folder", ["elsewhere/router", "plugins", "core"])
def test_validate_refuses_a_folder_that_is_no_plugin_of_the_policy(tmp_path: Path, folder: str) -> None:
    files = {**POLICY, CONTRACT_PATH: CONTRACT, "plugins/router/plugin.spec.json": spec("router")}
    repo = make_repo(tmp_path / "repo", {**files, "elsewhere/router/plugin.spec.json": spec("router")})

    done = packwarden(repo, "plugin", "validate", folder)

    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{folder}: not a plugin folder of the effective policy (plugin folders: plugins/*/)" in done.stderr
    assert done.stdout == ""  # never "0 files ... passed"
