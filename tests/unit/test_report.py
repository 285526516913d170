"""Reporters and renderings: text, JSON, explain, effective, diff and the rule reference."""

from __future__ import annotations

import base64
import io
import json
import os

import pytest

from packwarden.api import CheckResult
from packwarden.checks import CHECKS
from packwarden.enforce import decide
from packwarden.model import builtin_rules as R
from packwarden.model.errors import UsageError
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import EffectivePolicy
from packwarden.model.rule import Rule, RuleDoc
from packwarden.packs import builtin
from packwarden.packs.resolve import PolicyInputs, build_policy
from packwarden.report import REPORTERS, get_reporter
from packwarden.report import json as json_report
from packwarden.report import text as text_report
from packwarden.report.explain import explain_lines, known_ids
from packwarden.report.policy import checks_text, diff_lines, effective_data, effective_lines, rule_line
from packwarden.report.ruledocs import HEADER, all_pages, builtin_page, checks_page, pack_page
from packwarden.report.styled import Line, safe, undecodable_bytes, undecodable_escaped, write_lines


def plain(lines: list[Line]) -> list[str]:
    return ["".join(text for text, _ in line) for line in lines]


def default_policy(**changes: object) -> EffectivePolicy:
    policy = build_policy(PolicyInputs())
    return policy._replace(**changes) if changes else policy  # type: ignore[arg-type]


def result_of(findings: list[Finding], policy: EffectivePolicy | None = None, files: int = 1) -> CheckResult:
    policy = policy or default_policy()
    return CheckResult(tuple(findings), files, policy, decide(findings, policy))


def make_rule(rule_id: str = "t.a", **kw: object) -> Rule:
    kw.setdefault("params", {"pattern": "^x$"})
    kw.setdefault("field", "name")
    return Rule(id=rule_id, severity=kw.pop("severity", Severity.ERROR), pack="t@1", **kw)  # type: ignore[arg-type]


ERROR = Finding(
    "skill.name-format",
    Severity.ERROR,
    "name 'X' is bad",
    "skills/x/skill.yaml",
    2,
    7,
    "default@1.0",
    "rename it",
    "skill",
    {"field": "name"},
)
WARNING = Finding("skill.other", Severity.WARNING, "hm", "skills/x/skill.yaml", 3, 1, "default@1.0")


# --- styled ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text", "plain text"),
        ("a\nb", "a\\nb"),
        ("tab\there", "tab\\there"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("bell\x07", "bell\\x07"),
        ("é ü 中", "é ü 中"),
        ("\u202eevil", "\\u202eevil"),
        (os.fsdecode(b"bad\xff/\x1b.yaml"), "bad\\xff/\\x1b.yaml"),  # a byte that is not UTF-8, as \xNN
        ("lone\ud800", "lone\ufffd"),
    ],
)
def test_safe_escapes_control_characters(text: str, shown: str) -> None:
    assert safe(text) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (b"plain/skill.yaml", "plain/skill.yaml"),
        ("é/中".encode(), "é/中"),
        (b"bad\xff/skill.yaml", "bad\\xff/skill.yaml"),
        (b"\x80\xc3(", "\\x80\\xc3("),
        (b"tab\there\xfe", "tab\there\\xfe"),  # only undecodable bytes: control characters are JSON's to escape
    ],
)
def test_undecodable_bytes_are_escaped_and_kept(raw: bytes, shown: str) -> None:
    name = raw.decode("utf-8", "surrogateescape")  # how git paths are decoded
    assert undecodable_escaped(name) == shown
    shown.encode("utf-8")
    assert undecodable_bytes(name) == (None if shown == name else raw)


def test_write_lines_to_an_output_that_is_not_utf8_replaces_what_it_cannot_encode() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    write_lines([[("1 file · passed", "")]], out, color=False)
    out.flush()
    assert raw.getvalue() == b"1 file ? passed\n"


def test_write_lines_without_colour_is_plain_text() -> None:
    out = io.StringIO()
    write_lines([[("a", "bold"), ("b", "red")], [("c", "")]], out, color=False)
    assert out.getvalue() == "ab\nc\n"


def test_write_lines_with_colour_uses_ansi_styles() -> None:
    out = io.StringIO()
    write_lines([[("warn", "bold red"), (" tail", "")]], out, color=True)
    value = out.getvalue()
    assert "\x1b[" in value
    assert "warn" in value
    assert " tail" in value


def test_colour_output_never_interprets_markup_in_text() -> None:
    out = io.StringIO()
    write_lines([[("[bold]x[/bold] :smile:", "")]], out, color=True)
    assert "[bold]x[/bold] :smile:" in out.getvalue()


# --- text --------------------------------------------------------------------------------------------


def test_a_finding_line_and_its_fix() -> None:
    assert plain(text_report.finding_lines(ERROR)) == [
        "skills/x/skill.yaml:2:7: error skill.name-format name 'X' is bad (default@1.0)",
        "    fix: rename it",
    ]
    assert plain(text_report.finding_lines(WARNING)) == [
        "skills/x/skill.yaml:3:1: warning skill.other hm (default@1.0)"
    ]


def test_a_finding_line_escapes_control_characters_in_path_message_and_fix() -> None:
    nasty = ERROR._replace(path="a\nb/skill.yaml", message="x\x1b[2Jy", fix="z\rw")
    lines = plain(text_report.finding_lines(nasty))
    assert lines == [
        "a\\nb/skill.yaml:2:7: error skill.name-format x\\x1b[2Jy (default@1.0)",
        "    fix: z\\rw",
    ]
    assert all(ch.isprintable() for line in lines for ch in line)


def test_render_writes_findings_then_the_summary() -> None:
    out = io.StringIO()
    text_report.render(result_of([ERROR, WARNING], files=2), out, color=False)
    assert out.getvalue().splitlines() == [
        "skills/x/skill.yaml:2:7: error skill.name-format name 'X' is bad (default@1.0)",
        "    fix: rename it",
        "skills/x/skill.yaml:3:1: warning skill.other hm (default@1.0)",
        "2 files · 14 rules · 0 block · 1 error · 1 warning — passed (warn mode)",
    ]


@pytest.mark.parametrize(
    ("findings", "mode", "files", "expected"),
    [
        ([], "warn", 0, "0 files · 14 rules · 0 block · 0 error · 0 warning — passed (warn mode)"),
        ([], "block", 1, "1 file · 14 rules · 0 block · 0 error · 0 warning — passed (strict mode)"),
        (
            [ERROR],
            "block",
            1,
            "1 file · 14 rules · 0 block · 1 error · 0 warning — blocked by 1 finding(s) (strict mode)",
        ),
        (
            [ERROR._replace(severity=Severity.BLOCK)],
            "warn",
            3,
            "3 files · 14 rules · 1 block · 0 error · 0 warning — blocked by 1 finding(s) (warn mode)",
        ),
        (
            [WARNING._replace(severity=Severity.INFO)] * 2,
            "warn",
            1,
            "1 file · 14 rules · 0 block · 0 error · 0 warning · 2 info — passed (warn mode)",
        ),
        (
            [ERROR._replace(rule="pack.regex-timeout", pack="packwarden")],  # a built-in finding
            "warn",
            1,
            "1 file · 14 rules · 0 block · 1 error · 0 warning — the policy itself is broken",
        ),
    ],
)
def test_summary_wording(findings: list[Finding], mode: str, files: int, expected: str) -> None:
    result = result_of(findings, default_policy(mode=mode), files)
    assert plain([text_report.summary_line(result)]) == [expected]


def test_render_findings_alone_has_no_summary() -> None:
    out = io.StringIO()
    text_report.render_findings((WARNING,), out, color=False)
    assert out.getvalue() == "skills/x/skill.yaml:3:1: warning skill.other hm (default@1.0)\n"


# --- json -----------------------------------------------------------------------------------------------


def test_json_shape() -> None:
    policy = default_policy(mode="block")
    result = result_of([ERROR, WARNING], policy, files=2)
    out = io.StringIO()
    json_report.render(result, out, color=True)
    data = json.loads(out.getvalue())
    assert data == {
        "findings": [ERROR.to_dict(), WARNING.to_dict()],
        "summary": {
            "files": 2,
            "rules": 14,
            "info": 0,
            "warning": 1,
            "error": 1,
            "block": 0,
            "waived": 0,
            "blocking": 1,
            "mode": "block",
            "exit_code": 1,
        },
        "policy": {"hash": f"sha256:{policy.sha256}", "packs": ["default@1.0"]},
    }
    assert data["findings"][0]["metadata"] == {"field": "name"}
    assert out.getvalue().endswith("}\n")


def test_json_keeps_non_ascii_text() -> None:
    out = io.StringIO()
    json_report.render(result_of([WARNING._replace(message="größe")]), out, color=False)
    assert "größe" in out.getvalue()


def test_json_of_a_path_that_is_not_utf8() -> None:
    name = os.fsdecode(b"bad\xff/skill.yaml")
    finding = ERROR._replace(path=name, message=f"{name} is bad")
    out = io.StringIO()
    json_report.render(result_of([finding, WARNING]), out, color=False)
    data = json.loads(out.getvalue())
    first, second = data["findings"]
    assert list(first)[:5] == ["rule", "severity", "message", "path", "path_bytes"]
    assert first["path"] == "bad\\xff/skill.yaml"
    assert first["message"] == "bad\\xff/skill.yaml is bad"
    assert base64.b64decode(first["path_bytes"]) == b"bad\xff/skill.yaml"
    assert "path_bytes" not in second
    assert '"path": "bad\\\\xff/skill.yaml"' in out.getvalue()  # JSON text: a backslash, escaped


def test_json_to_an_output_that_is_not_utf8_is_ascii() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="latin-1")
    json_report.render(result_of([WARNING._replace(message="größe 中")]), out, color=False)
    out.flush()
    assert json.loads(raw.getvalue().decode("ascii"))["findings"][0]["message"] == "größe 中"


def test_reporters_by_name() -> None:
    assert REPORTERS == ("text", "json", "sarif", "github", "gitlab", "junit")
    assert get_reporter("json") is json_report.render
    assert get_reporter("text") is text_report.render
    with pytest.raises(UsageError, match="unknown output format 'anything-else'"):
        get_reporter("anything-else")


# --- explain --------------------------------------------------------------------------------------------


def test_explain_a_pack_rule() -> None:
    lines = plain(explain_lines("skill.name-format", default_policy()) or [])
    assert lines[0] == "skill.name-format  error · default@1.0 · applies to skill"
    assert lines[1] == "A skill name is lowercase letters and digits, with dots for namespaces."
    assert lines[2] == "checks: name: pattern='^[a-z][a-z0-9.]*[a-z0-9]$'"
    assert lines[3].startswith("fix: rename it in lowercase")
    assert lines[4:] == [
        "why it matters:",
        "    Names become command paths and registry keys; spaces and capitals break lookups and differ "
        "between case-sensitive and case-insensitive systems.",
        "bad:",
        "    name: Data Transform",
        "good:",
        "    name: data.transform",
    ]


def test_explain_a_rule_without_docs_shows_its_header_and_checks_only() -> None:
    policy = EffectivePolicy(packs=("t@1",), rules=(make_rule(field=None, params={"forbidden_pattern": "x"}),))
    assert plain(explain_lines("t.a", policy) or []) == [
        "t.a  error · t@1 · applies to every kind",
        "checks: <file text>: forbidden_pattern='x'",
    ]


def test_explain_a_builtin_rule_with_its_effective_severity() -> None:
    lines = plain(explain_lines("parse.yaml-anchor", default_policy()) or [])
    assert lines[0] == "parse.yaml-anchor  error · built into packwarden"
    assert lines[1] == R.PARSE_ANCHOR.doc.summary
    assert "bad:" in lines
    assert "    base: &b {x: 1}" in lines
    changed = default_policy(builtin_severities={"parse.yaml-anchor": Severity.WARNING})
    assert plain(explain_lines("parse.yaml-anchor", changed) or [])[0].startswith("parse.yaml-anchor  warning")


def test_explain_a_check_kind_prints_its_docstring() -> None:
    lines = plain(explain_lines("semver", default_policy()) or [])
    assert lines[0] == "semver  check kind"
    assert lines[1:] == CHECKS["semver"].doc.splitlines()


def test_explain_an_unknown_id() -> None:
    assert explain_lines("nope.nothing", default_policy()) is None


def test_known_ids_cover_rules_builtins_and_checks() -> None:
    ids = known_ids(default_policy())
    assert "skill.name-format" in ids
    assert "parse.syntax" in ids
    assert "max_length" in ids
    assert len(ids) == 14 + len(R.ALL) + len(CHECKS)


# --- effective, show and diff -----------------------------------------------------------------------------


def test_checks_text() -> None:
    rule = make_rule(params={"required": True, "pattern": "^a$", "min_length": 2})
    assert checks_text(rule) == "name: required, pattern='^a$', min_length=2"
    assert checks_text(make_rule(field=None, params={"pattern": "x"})) == "<file text>: pattern='x'"


def test_rule_line_with_and_without_origins() -> None:
    rule = make_rule(applies_to=("skill", "agent"))
    assert plain([rule_line(rule)]) == [f"  {'t.a':<40} error    [skill,agent] name: pattern='^x$'"]
    assert plain([rule_line(make_rule(), "pack t@1", "pack t@1")])[0].endswith("\n      defined by pack t@1")
    assert plain([rule_line(make_rule(), "pack t@1", "cfg")])[0].endswith(
        "\n      defined by pack t@1; severity set by cfg"
    )
    assert "[all]" in plain([rule_line(make_rule())])[0]


def test_rule_line_escapes_control_characters_in_checks() -> None:
    assert "\\n" in plain([rule_line(make_rule(params={"pattern": "a\nb"}))])[0]


def test_effective_lines() -> None:
    policy = default_policy()
    lines = plain(effective_lines(policy, explain=False))
    assert lines[:6] == [
        "packs: default@1.0",
        "mode: warn",
        "fail_on: error",
        "waivers: max_days 90, notice_days 14",
        f"hash: sha256:{policy.sha256}",
        "artifacts:",
    ]
    assert "  skill: **/skill.yaml, **/skill.yml" in lines
    assert "rules (14):" in lines
    assert not any("defined by" in line or "set by" in line for line in lines)
    assert not any("built-in rule severities" in line for line in lines)


def test_effective_lines_explained() -> None:
    policy = build_policy(
        PolicyInputs(b"overrides: {severities: {parse.syntax: warning, skill.name-format: info}}\n", strict=True)
    )
    lines = plain(effective_lines(policy, explain=True))
    assert lines[1] == "mode: block (strict)  (set by command line --strict)"
    assert lines[2] == "fail_on: error  (set by pack default@1.0 (built-in))"
    assert "  skill: **/skill.yaml, **/skill.yml  (set by pack default@1.0 (built-in))" in lines
    text = "\n".join(lines)
    assert "defined by pack default@1.0 (built-in); severity set by .packwarden/policy.yml" in text
    assert "built-in rule severities:" in lines
    assert "  parse.syntax: warning  (set by .packwarden/policy.yml)" in lines


def test_effective_lines_artifact_without_an_origin_says_default() -> None:
    policy = EffectivePolicy(packs=("t@1",))
    assert "  skill: **/skill.yaml, **/skill.yml  (set by default)" in plain(effective_lines(policy, explain=True))


def test_effective_data() -> None:
    policy = default_policy()
    data = effective_data(policy)
    assert data["hash"] == f"sha256:{policy.sha256}"
    assert data["packs"] == ["default@1.0"]
    assert data["origins"] == dict(policy.origins)
    assert json.loads(json.dumps(data)) == data


def test_diff_lines_added_removed_and_changed() -> None:
    old = EffectivePolicy(
        packs=("a@1",),
        rules=(make_rule("same"), make_rule("gone"), make_rule("sev"), make_rule("chk"), make_rule("both")),
    )
    new = EffectivePolicy(
        packs=("b@1",),
        mode="block",
        rules=(
            make_rule("same"),
            make_rule("sev", severity=Severity.WARNING),
            make_rule("chk", params={"pattern": "^y$"}),
            make_rule("both", severity=Severity.BLOCK, field="title"),
            make_rule("new", severity=Severity.INFO),
        ),
    )
    assert plain(diff_lines(old, new)) == [
        "--- a@1",
        "+++ b@1",
        "~ mode: warn -> block",
        "~ both: severity error -> block",
        "~ both: checks name: pattern='^x$' -> title: pattern='^x$'",
        "~ chk: checks name: pattern='^x$' -> name: pattern='^y$'",
        "- gone (error)",
        "+ new (info) name: pattern='^x$'",
        "~ sev: severity error -> warning",
    ]


def test_diff_lines_show_builtin_severity_changes() -> None:
    old = EffectivePolicy(
        packs=("a@1",), builtin_severities={"parse.syntax": Severity.WARNING, "path.symlink": Severity.ERROR}
    )
    new = EffectivePolicy(
        packs=("b@1",),
        builtin_severities={
            "parse.syntax": Severity.INFO,
            "parse.too-deep": Severity.BLOCK,
            "path.symlink": Severity.ERROR,
        },
    )
    assert plain(diff_lines(old, new))[2:] == [
        "~ parse.syntax: severity warning -> info",
        "~ parse.too-deep: severity default -> block",
    ]
    assert plain(diff_lines(new, old))[3:] == ["~ parse.too-deep: severity block -> default"]


def test_diff_lines_without_differences() -> None:
    policy = default_policy()
    assert plain(diff_lines(policy, policy)) == [
        "--- default@1.0",
        "+++ default@1.0",
        "(no differences in rules or mode)",
    ]


def test_diff_of_an_empty_policy_names_packwarden() -> None:
    assert plain(diff_lines(EffectivePolicy(packs=()), EffectivePolicy(packs=())))[:2] == [
        "--- packwarden",
        "+++ packwarden",
    ]


# --- the rule reference -------------------------------------------------------------------------------------


def test_all_pages_has_one_page_per_builtin_pack_plus_checks_and_builtins() -> None:
    pages = all_pages()
    assert set(pages) == {"checks.md", "builtin.md"} | {f"{ref}.md" for ref in builtin.builtin_refs()}
    assert "default@1.0.md" in pages
    assert all(page.startswith(HEADER) for page in pages.values())


def test_the_default_pack_page_documents_every_rule() -> None:
    page = all_pages()["default@1.0.md"]
    assert "# Pack `default@1.0`" in page
    assert "This pack defines 14 rules." in page
    for rule in default_policy().rules:
        assert f"## `{rule.id}`" in page
    assert "Severity `error` · applies to skill · checks `name: pattern='^[a-z][a-z0-9.]*[a-z0-9]$'`" in page
    assert "**Bad**\n\n```yaml\nname: Data Transform\n```" in page
    assert "**Fix.** rename it in lowercase" in page


def test_a_pack_page_names_what_it_extends_and_skips_missing_docs() -> None:
    page = pack_page("t@1", "A pack.", ["default@1.0", "x@2"], [make_rule(doc=RuleDoc(summary="Sum."))])
    assert "Extends [`default@1.0`](default@1.0.md), [`x@2`](x@2.md); its rules apply too." in page
    assert "This pack defines 1 rule." in page
    assert "It changes the severity" not in page
    assert "Mode `" not in page
    assert "Sum." in page
    assert "**Why it matters.**" not in page
    assert "**Bad**" not in page
    assert "**Fix.**" not in page


def test_a_pack_page_lists_the_severities_it_changes() -> None:
    page = all_pages()["startup-fast@1.0.md"]
    assert "It changes the severity of these rules (defined by what it extends, or built in):" in page
    assert "| `skill.status-required` | `warning` |\n" in page
    assert page.count("| `warning` |") == 6
    assert "Mode `warn`: findings are shown, and only `block` findings stop a commit." in page
    assert "Mode `block` (strict)" in all_pages()["team-standard@1.0.md"]


def test_the_checks_page_lists_each_check_module_once() -> None:
    page = checks_page()
    for key in ("required", "type", "pattern", "forbidden_pattern", "allowed_values", "forbidden_values", "semver"):
        assert f"## `{key}`" in page
    assert page.count("## `min_length`") == 1
    assert "## `max_length`" not in page


def test_the_builtin_page_lists_every_builtin_rule() -> None:
    page = builtin_page()
    for rule in R.ALL:
        assert f"## `{rule.id}`\n\n{rule.doc.summary}\n\nDefault severity `{rule.severity.value}`." in page
