"""The CI formats: SARIF, GitHub workflow commands, GitLab Code Quality, JUnit; several reports
from one run; through the real command line once per format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from packwarden.api import CheckResult, check
from packwarden.enforce import decide
from packwarden.model.finding import Finding, Severity
from packwarden.model.waiver import Waiver
from packwarden.packs.resolve import PolicyInputs, build_policy
from packwarden.report import REPORTERS, get_reporter, github, gitlab, junit, sarif
from packwarden.report.ruleinfo import anchor
from tests.support.gitrepo import make_repo

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent
BAD = "name: Data Transform\nversion: 1.0.0\nstatus: active\n"
GOOD = "name: data.transform\nversion: 1.0.0\nstatus: active\n"

NAME = Finding(
    "skill.name-format", Severity.ERROR, "name 'X' is bad", "skills/x/skill.yaml", 2, 7, "default@1.0", "rename it"
)
WARN = Finding("skill.other", Severity.WARNING, "hm, 100%\nsure", "skills/a,b:c/skill.yaml", 3, 1, "default@1.0")
INFO = Finding("skill.note", Severity.INFO, "fyi", "skills/y/skill.yaml", 1, 1, "default@1.0")
BLOCK = Finding("skill.secret", Severity.BLOCK, "a secret", "skills/z/skill.yaml", 9, 3, "default@1.0")
WAIVER = Waiver("skill.name-format", ("skills/**",), "legacy names stay until the migration", "data-team", "2099-01-01")


def result_of(findings: list[Finding], waived: dict[Finding, Waiver] | None = None) -> CheckResult:
    policy = build_policy(PolicyInputs())
    verdict = decide(findings, policy)
    if waived:
        verdict = verdict._replace(waived=waived)
    return CheckResult(tuple(findings), 3, policy, verdict)


def rendered(name: str, result: CheckResult, **options: bool) -> str:
    out = __import__("io").StringIO()
    get_reporter(name)(result, out, False, **options)
    return out.getvalue()


# --- SARIF ------------------------------------------------------------------------------------------


def test_sarif_validates_and_carries_rules_levels_locations_and_fingerprints() -> None:
    data = json.loads(rendered("sarif", result_of([NAME, WARN, INFO, BLOCK])))

    jsonschema.validate(data, SCHEMA)
    run = data["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], data["version"]) == ("packwarden", "2.1.0")
    assert driver["informationUri"].startswith("https://")
    rules = {rule["id"]: rule for rule in driver["rules"]}
    name_rule = rules["skill.name-format"]
    assert name_rule["shortDescription"]["text"]
    assert name_rule["defaultConfiguration"]["level"] == "error"
    assert name_rule["helpUri"].endswith("/docs/rules/default@1.0.md#skillname-format")
    assert "**Why it matters.**" in name_rule["help"]["markdown"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {
        "skill.name-format": "error",
        "skill.other": "warning",
        "skill.note": "note",
        "skill.secret": "error",
    }
    first = run["results"][0]
    assert driver["rules"][first["ruleIndex"]]["id"] == first["ruleId"]
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "skills/x/skill.yaml", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 2, "startColumn": 7}
    assert first["partialFingerprints"] == {"packwarden/v1": NAME.fingerprint}


def test_the_help_uri_names_a_heading_of_the_generated_page() -> None:
    page = (Path(__file__).parents[2] / "docs" / "rules" / "default@1.0.md").read_text(encoding="utf-8")
    assert "## `skill.name-format`" in page
    assert anchor("skill.name-format") == "skillname-format"


def test_sarif_uris_are_percent_encoded_relative_references() -> None:
    odd = NAME._replace(path=os.fsdecode(b"we ird/#1%/\xff.yaml"))
    data = json.loads(rendered("sarif", result_of([odd])))

    jsonschema.validate(data, SCHEMA)
    uri = data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "we%20ird/%231%25/%FF.yaml"


def test_waived_findings_are_suppressed_results_or_left_out() -> None:
    result = result_of([NAME, WARN], {NAME: WAIVER})

    kept = json.loads(rendered("sarif", result))
    omitted = json.loads(rendered("sarif", result, omit_suppressed=True))

    jsonschema.validate(kept, SCHEMA)
    jsonschema.validate(omitted, SCHEMA)
    suppressed = [r for r in kept["runs"][0]["results"] if "suppressions" in r]
    assert [r["ruleId"] for r in suppressed] == ["skill.name-format"]
    assert suppressed[0]["suppressions"][0]["kind"] == "external"
    assert suppressed[0]["suppressions"][0]["justification"] == WAIVER.reason
    assert suppressed[0]["suppressions"][0]["properties"]["owner"] == "data-team"
    assert [r["ruleId"] for r in omitted["runs"][0]["results"]] == ["skill.other"]
    assert [r["id"] for r in omitted["runs"][0]["tool"]["driver"]["rules"]] == ["skill.other"]


def test_a_clean_run_is_valid_sarif_with_no_results() -> None:
    data = json.loads(rendered("sarif", result_of([])))

    jsonschema.validate(data, SCHEMA)
    assert data["runs"][0]["results"] == []


def test_sarif_fingerprints_stay_when_unrelated_lines_are_added_above(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(tmp_path / "repo", {"skills/bad/skill.yaml": BAD})
    monkeypatch.chdir(root)

    def fingerprints() -> dict[str, tuple[str, int]]:
        out = __import__("io").StringIO()
        sarif.render(check([], all_files=True, use_cache=False), out, False)
        results = json.loads(out.getvalue())["runs"][0]["results"]
        return {
            r["ruleId"]: (
                r["partialFingerprints"]["packwarden/v1"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
            )
            for r in results
        }

    before = fingerprints()
    (root / "skills/bad/skill.yaml").write_text("# owned by data\n# reviewed\n" + BAD, encoding="utf-8")
    after = fingerprints()

    assert "skill.name-format" in before
    assert after["skill.name-format"][1] == before["skill.name-format"][1] + 2  # the finding moved
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}  # its fingerprint did not


# --- GitHub -----------------------------------------------------------------------------------------


def test_github_escapes_messages_and_properties() -> None:
    line = github.command(WARN)

    assert line == (
        "::warning file=skills/a%2Cb%3Ac/skill.yaml,line=3,col=1,title=skill.other::warning: hm, 100%25%0Asure"
    )
    assert github.escape_data("a\r\nb%") == "a%0D%0Ab%25"
    assert github.escape_property("x:y,z") == "x%3Ay%2Cz"


def test_github_puts_the_most_severe_first_and_lists_all_in_the_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    severities = [Severity.INFO, Severity.WARNING, Severity.ERROR, Severity.BLOCK]
    findings = [
        Finding(f"t.rule{i}", severities[i % 4], f"problem {i}", f"skills/s{i:02}/skill.yaml", i + 1, 1, "t@1")
        for i in range(30)
    ]
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    lines = rendered("github", result_of(findings)).splitlines()

    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 30
    kinds = [line[2 : line.index(" ")] for line in commands]
    assert kinds[:10] == ["error"] * 10  # 7 block, then 3 of the 8 errors
    assert all("problem" in line for line in commands[:7]) and "block: " in commands[0]
    assert [c.split("::")[2].split(":")[0] for c in commands[:8]] == ["block"] * 7 + ["error"]
    assert kinds == sorted(kinds, key=["error", "warning", "notice"].index)
    assert not lines[-1].startswith("::")  # the summary line
    table = summary.read_text(encoding="utf-8")
    assert table.startswith("earlier step\n")  # appended
    rows = [row for row in table.splitlines() if row.startswith("| ") and "`t.rule" in row]
    assert len(rows) == 30
    assert rows[0].startswith("| block |")


def test_github_leaves_waived_findings_out_and_escapes_table_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    piped = WARN._replace(message="a | b\nc")

    out = rendered("github", result_of([NAME, piped], {NAME: WAIVER}))

    assert "skill.name-format" not in out.split("\n", 1)[0]
    assert sum(line.startswith("::") for line in out.splitlines()) == 1
    assert "| a \\| b c |" in summary.read_text(encoding="utf-8")


# --- GitLab -----------------------------------------------------------------------------------------


def test_gitlab_code_quality_has_the_required_fields_and_unique_fingerprints() -> None:
    twin = NAME._replace(line=5)  # same rule, path and field: the same finding fingerprint
    issues = json.loads(rendered("gitlab", result_of([NAME, twin, WARN, INFO, BLOCK])))

    assert isinstance(issues, list) and len(issues) == 5
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str)
        assert len(issue["fingerprint"]) == 64
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["path"], str)
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert len({issue["fingerprint"] for issue in issues}) == 5
    assert {i["check_name"]: i["severity"] for i in issues} == {
        "skill.name-format": "major",
        "skill.other": "minor",
        "skill.note": "info",
        "skill.secret": "blocker",
    }
    assert gitlab.as_data(result_of([NAME]))[0]["fingerprint"] == issues[0]["fingerprint"]  # stable


# --- JUnit ------------------------------------------------------------------------------------------


def test_junit_has_one_case_per_unit_and_rule_with_failures_carrying_the_findings() -> None:
    second = NAME._replace(line=8, message="another")
    root = ET.fromstring(rendered("junit", result_of([NAME, second, WARN, BLOCK._replace(path=NAME.path)])))

    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("skills/a,b:c/skill.yaml", "skill.other"),
        ("skills/x/skill.yaml", "skill.name-format"),
        ("skills/x/skill.yaml", "skill.secret"),
    ]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "3", "0")
    assert (root.get("tests"), root.get("failures")) == ("3", "3")
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("type") == "error"
    assert failure.text is not None
    assert failure.text.splitlines() == [
        "skills/x/skill.yaml:2:7: error skill.name-format name 'X' is bad",
        "skills/x/skill.yaml:8:7: error skill.name-format another",
    ]


def test_junit_waived_cases_are_skipped_and_a_clean_run_has_one_passing_case() -> None:
    waived = ET.fromstring(rendered("junit", result_of([NAME], {NAME: WAIVER})))
    clean = ET.fromstring(rendered("junit", result_of([])))

    case = waived.find("testsuite/testcase")
    assert case is not None and case.find("failure") is None
    skipped = case.find("skipped")
    assert skipped is not None and WAIVER.reason in (skipped.get("message") or "")
    assert waived.get("skipped") == "1"
    assert [c.find("failure") for c in clean.findall("testsuite/testcase")] == [None]
    assert clean.get("failures") == "0"


def test_junit_escapes_what_xml_cannot_hold() -> None:
    odd = NAME._replace(message="bell\x07 and 中", path=os.fsdecode(b"bad\xff/skill.yaml"))
    root = ET.fromstring(rendered("junit", result_of([odd])))

    case = root.find("testsuite/testcase")
    assert case is not None and case.get("classname") == "bad\\xff/skill.yaml"
    failure = case.find("failure")
    assert failure is not None and "bell\\x07 and 中" in (failure.text or "")


# --- the command line -------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"skills/bad/skill.yaml": BAD, "skills/good/skill.yaml": GOOD})


def packwarden(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run(
        [str(BIN / "packwarden"), *args], cwd=root, env={**environ, "NO_COLOR": "1", **env},
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("name", REPORTERS)
def test_every_format_through_the_real_command(repo: Path, name: str) -> None:
    done = packwarden(repo, "check", "--all-files", "--format", name, "--output", "report.out")

    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    text = (repo / "report.out").read_text(encoding="utf-8")
    if name == "sarif":
        jsonschema.validate(json.loads(text), SCHEMA)
    elif name == "gitlab":
        assert json.loads(text)[0]["check_name"] == "skill.name-format"
    elif name == "junit":
        assert ET.fromstring(text).find("testsuite/testcase/failure") is not None
    elif name == "github":
        assert text.startswith("::error file=skills/bad/skill.yaml,line=1,col=7,title=skill.name-format::")
    elif name == "json":
        assert json.loads(text)["findings"][0]["rule"] == "skill.name-format"
    else:
        assert text.startswith("skills/bad/skill.yaml:1:7: error skill.name-format")


def test_several_reports_from_one_run(repo: Path) -> None:
    done = packwarden(
        repo, "check", "--all-files", "--format", "text", "--format", "sarif", "--output", "results.sarif",
        "--format", "junit", "--output", "./junit.xml", "--strict",
    )  # fmt: skip

    assert done.returncode == 1
    assert done.stdout.startswith("skills/bad/skill.yaml:1:7: error skill.name-format")
    jsonschema.validate(json.loads((repo / "results.sarif").read_text(encoding="utf-8")), SCHEMA)
    assert ET.parse(repo / "junit.xml").getroot().get("failures") == "1"


def test_an_output_before_any_format_is_the_default_format(repo: Path) -> None:
    done = packwarden(repo, "check", "--all-files", "--output", "report.txt", "--format", "json")

    assert done.returncode == 0
    assert (repo / "report.txt").read_text(encoding="utf-8").startswith("skills/bad/skill.yaml:1:7:")
    assert json.loads(done.stdout)["summary"]["files"] == 2


def test_github_is_the_default_in_github_actions(repo: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    done = packwarden(repo, "check", "--all-files", GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    hook = packwarden(repo, "check", "--all-files", "--format", "text", GITHUB_ACTIONS="true")

    assert done.stdout.startswith("::error file=skills/bad/skill.yaml,line=1,col=7,title=skill.name-format::")
    assert "skill.name-format" in summary.read_text(encoding="utf-8")
    assert hook.stdout.startswith("skills/bad/skill.yaml:1:7:")  # an explicit --format wins


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--format", "json", "--format", "sarif"], "more than one --format writes to standard output"),
        (["--format", "sarif", "--output", "a", "--output", "b"], "each --output follows the --format it writes"),
        (["--format", "sarif", "--output", "a", "--format", "junit", "--output", "./a"], "the same --output file"),
        (["--format", "sarif", "--output", "no/such/dir/r.sarif"], "cannot write --output no/such/dir/r.sarif"),
        (["--sarif-suppressed", "drop"], "invalid choice: 'drop'"),
    ],
)
def test_usage_errors_exit_2(repo: Path, args: list[str], complaint: str) -> None:
    done = packwarden(repo, "check", "--all-files", *args)

    assert done.returncode == 2, done.stdout
    assert complaint in done.stderr
    assert "Traceback" not in done.stderr


def test_policy_check_takes_the_new_options_through_argparse(repo: Path) -> None:
    done = subprocess.run(
        [str(BIN / "policy-check"), "--format", "sarif", "--output", "r.sarif", "skills/bad/skill.yaml"],
        cwd=repo, capture_output=True, text=True, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    results = json.loads((repo / "r.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["skill.name-format"]


def test_sarif_suppressed_omit_through_the_command(repo: Path) -> None:
    (repo / ".packwarden").mkdir()
    (repo / ".packwarden/waivers.yml").write_text(
        "waivers:\n  - rule: skill.name-format\n    paths: ['skills/bad/**']\n"
        "    reason: legacy names stay until the migration\n    owner: data-team\n"
        f"    expires: {datetime.now(UTC).date() + timedelta(days=30)}\n",
        encoding="utf-8",
    )
    kept = packwarden(repo, "check", "--all-files", "--format", "sarif")
    omitted = packwarden(repo, "check", "--all-files", "--format", "sarif", "--sarif-suppressed", "omit")

    (result,) = json.loads(kept.stdout)["runs"][0]["results"]
    assert result["suppressions"][0]["justification"] == "legacy names stay until the migration"
    assert json.loads(omitted.stdout)["runs"][0]["results"] == []
    assert junit.as_xml is not None and github.SUMMARY_ENV == "GITHUB_STEP_SUMMARY"
