"""Rules that belong to packwarden itself rather than to a pack.

They report files packwarden cannot read safely (``parse.*``, ``path.*``) and problems in its
own inputs (``pack.*``, ``config.*``). Each says which it is (``input_error``), and that flag,
never the id's prefix, decides: packs may change the severity of the rules about checked files
like any other; an error from a rule about packwarden's own inputs always exits 2.
Findings of these rules carry ``pack = BUILTIN_PACK``; ``of`` finds the rule of such a finding.
"""

from __future__ import annotations

from packwarden.model.finding import BUILTIN_PACK, Finding, Severity
from packwarden.model.record import Record
from packwarden.model.rule import RuleDoc


class BuiltinRule(Record):
    id: str
    severity: Severity
    doc: RuleDoc
    # About packwarden's own inputs (packs, config) rather than a checked file: its errors
    # exit 2 in every mode, and no pack or config may change its severity.
    input_error: bool = False
    # Its severity is part of a guarantee (an unavailable central pack, a refused override):
    # no pack or config may change it, though its findings do not exit 2.
    fixed: bool = False

    @property
    def adjustable(self) -> bool:
        """Whether packs and the config may change this rule's severity."""
        return not (self.input_error or self.fixed)


def _rule(
    rule_id: str,
    severity: Severity,
    summary: str,
    why: str,
    bad: str,
    good: str,
    *,
    input_error: bool = False,
    fixed: bool = False,
) -> BuiltinRule:
    return BuiltinRule(rule_id, severity, RuleDoc(summary, why, bad, good), input_error, fixed)


E, W = Severity.ERROR, Severity.WARNING

PARSE_SYNTAX = _rule(
    "parse.syntax",
    E,
    "The file is not valid YAML or JSON.",
    "A manifest that does not parse cannot be checked, and the tools that read it will fail too.",
    "name: [unclosed",
    "name: closed.list",
)
PARSE_ENCODING = _rule(
    "parse.encoding",
    E,
    "The file is not UTF-8 text.",
    "Manifests are read by many tools; only UTF-8 is read the same way by all of them.",
    "(bytes 0xff 0xfe in the file)",
    "name: utf8.text",
)
PARSE_TOO_LARGE = _rule(
    "parse.too-large",
    E,
    "The file is larger than packwarden reads.",
    "A manifest of megabytes is a mistake or an attack; reading it would make every commit slow.",
    "(a 50 MB skill.yaml)",
    "(a skill.yaml of a few kilobytes)",
)
PARSE_ANCHOR = _rule(
    "parse.yaml-anchor",
    E,
    "YAML anchors and aliases are not allowed in checked files.",
    "Aliases let a tiny file expand into gigabytes (a 'billion laughs' bomb) and hide where a value really comes from.",
    "base: &b {x: 1}\nother: *b",
    "base: {x: 1}\nother: {x: 1}",
)
PARSE_DUPLICATE_KEY = _rule(
    "parse.duplicate-key",
    E,
    "A mapping has the same key twice.",
    "Parsers disagree about which value wins, so a reviewer and the tool may see different files.",
    "name: a.b\nname: c.d",
    "name: a.b",
)
PARSE_DEPTH = _rule(
    "parse.too-deep",
    E,
    "The document is nested deeper than packwarden reads.",
    "Deep nesting crashes recursive parsers; no real manifest is nested this deep.",
    "[[[[[[[[ ... ]]]]]]]]",
    "permissions: [read]",
)
PARSE_TAG = _rule(
    "parse.yaml-tag",
    E,
    "The YAML file uses a tag packwarden does not accept.",
    "Tags such as !!python/object ask a loader to build objects or run code.",
    "handler: !!python/name:os.system",
    "handler: handler.py",
)
PARSE_KEY = _rule(
    "parse.key-type",
    E,
    "A mapping key is not a plain string, number or boolean.",
    "Complex keys (mappings or lists as keys) cannot be addressed by field rules.",
    "? [a, b]\n: value",
    "a_b: value",
)
PARSE_NUMBER = _rule(
    "parse.number",
    E,
    "A number is too large, or is NaN or infinite.",
    "Huge integers make parsers slow and NaN compares unequal to itself, so checks misbehave.",
    '{"size": 1e999999}',
    '{"size": 1024}',
)
PARSE_MULTI_DOCUMENT = _rule(
    "parse.multiple-documents",
    E,
    "A manifest holds more than one YAML document.",
    "Tools read only the first document; the rest would go unchecked.",
    "name: a.b\n---\nname: c.d",
    "name: a.b",
)
PARSE_ROOT = _rule(
    "parse.not-mapping",
    E,
    "A manifest's top level is not a mapping (or the file is empty).",
    "Every manifest field lives in a top-level mapping; a list or a bare string has no fields.",
    "- name: a.b",
    "name: a.b",
)
PARSE_YAML12 = _rule(
    "parse.yaml12",
    E,
    "The YAML file holds a construct that packwarden cannot read exactly as YAML 1.2 does.",
    "A gate that reads a manifest differently from the tools that consume it judges a value nobody else sees."
    " packwarden parses with libyaml, which follows YAML 1.1 in places (NEL, LS and PS are line breaks, '?' starts"
    " a key anywhere in a flow collection, a %YAML 1.1 directive is ignored) and accepts some documents YAML 1.2"
    " rejects (a comment glued to a value, under-indented flow lines, '[-]'); such files are refused, not guessed at.",
    '%YAML 1.1\n---\nenabled: yes\nlabels: [?x]\nname: "demo"# comment',
    "enabled: true\nlabels: ['?x']\nname: \"demo\"  # comment",
)
PATH_SYMLINK = _rule(
    "path.symlink",
    W,
    "A checked path is a symbolic link; packwarden does not follow it.",
    "A link can point anywhere, also outside the repository; its target is checked on its own.",
    "skills/x/skill.yaml -> ../../shared/skill.yaml",
    "skills/x/skill.yaml (a regular file)",
)
PATH_OUTSIDE_REPO = _rule(
    "path.outside-repo",
    E,
    "A path leads outside the repository.",
    "The hook must only read the repository it checks; a link to /etc/passwd is not a manifest.",
    "skills/x/skill.yaml -> /etc/passwd",
    "skills/x/skill.yaml (a regular file)",
)
PATH_SUBMODULE = _rule(
    "path.submodule",
    W,
    "A checked path is a git submodule; its contents are not checked here.",
    "A submodule is another repository with its own hooks and history.",
    "skills/vendor (submodule)",
    "skills/vendor/skill.yaml (a regular file)",
)
PATH_UNREADABLE = _rule(
    "path.unreadable",
    E,
    "A path given to packwarden cannot be read.",
    "A manifest that cannot be read cannot be checked; silence would look like a pass.",
    "(a file without read permission)",
    "(a readable file)",
)
PACK_INVALID = _rule(
    "pack.invalid",
    E,
    "A policy pack does not follow the pack schema.",
    "A broken pack would silently check less than its authors meant.",
    "rules: [{id: x, severity: fatal}]",
    "rules: [{id: x, severity: error, required: true, field: name}]",
    input_error=True,
)
PACK_WARNING = _rule(
    "pack.meaningless",
    W,
    "A pack holds a field packwarden does not use.",
    "A field that does nothing looks like a check to its author; saying so avoids a silent skip.",
    "rules: [{field: name, colour: red}]",
    "rules: [{field: name, pattern: '^[a-z]+$'}]",
    input_error=True,
)
PACK_REGEX_TIMEOUT = _rule(
    "pack.regex-timeout",
    E,
    "A policy regex used up its time on a file and was stopped.",
    "Back-tracking patterns can take forever on hostile input; the hook must never hang. "
    "Each rule's back-tracking patterns get a fixed time per file, however many values they match.",
    "pattern: '^(a|aa)+\\1c$'",
    "pattern: '^a+c$'",
    input_error=True,
)
CONFIG_INVALID = _rule(
    "config.invalid",
    E,
    "The repository's .packwarden/policy.yml is invalid.",
    "A config that cannot be read would silently fall back to another policy.",
    "mode: strict-ish",
    "mode: block",
    input_error=True,
)
PACK_UNAVAILABLE = _rule(
    "pack.unavailable",
    E,
    "A central pack the repository pins is not in the local cache, or no longer matches its pin.",
    "The hook never touches the network, so a pack missing from the cache cannot be checked "
    "against; saying so keeps a missing pack from passing for a clean run. In strict mode it exits 2.",
    "(a colleague's commit moved .packwarden/lock.yml; nobody ran `packwarden pull` here since)",
    "packwarden pull   # fills the cache to match .packwarden/lock.yml",
    fixed=True,
)
PACK_DEPRECATED = _rule(
    "pack.deprecated",
    W,
    "The selected pack, or one it extends, is deprecated by its authors.",
    "A deprecated pack stops getting fixes; the finding names its successor when the pack gives one.",
    "pack: acme-standard@1.1   # meta: {status: deprecated, successor: acme-standard@1.2}",
    "pack: acme-standard@1.2",
)
CONFIG_OVERRIDE_REFUSED = _rule(
    "config.override-refused",
    E,
    "The repository's config tries to weaken a rule that a central layer locked; the rule still applies.",
    "A central team can lock rules against local weakening (disabling, a lower severity, a narrower "
    "rule); the refusal is shown so that the config can be fixed rather than trusted.",
    "overrides: {disable: [secrets.no-plaintext]}   # locked in projects/payments-api.yml",
    "overrides: {severities: {secrets.no-plaintext: block}}   # tightening is always allowed",
    fixed=True,
)
CLARIFICATION_INVALID = _rule(
    "clarification.invalid",
    E,
    "An answer in .packwarden/answers.yml is not one of its question's options, or the file is not "
    "a mapping 'answers' of question keys to answers.",
    "An answer outside the options is no answer: the question stays open, and nothing the pack "
    "fills from it (its defaults) can be trusted. It is reported at its line so the review catches it.",
    "answers:\n  ci_provider: jenkins   # options: github, gitlab, none",
    "answers:\n  ci_provider: github",
)
CLARIFICATION_UNKNOWN = _rule(
    "clarification.unknown",
    W,
    "An answer in .packwarden/answers.yml is to a question that no pack of the effective policy asks.",
    "A misspelt key leaves the real question unanswered; an answer the packs stopped asking about is "
    "dead weight that reviewers still read.",
    "answers:\n  ci_provder: github",
    "answers:\n  ci_provider: github",
)
WAIVER_INVALID = _rule(
    "waiver.invalid",
    E,
    "An entry of .packwarden/waivers.yml is malformed, has no real reason or owner, or expires further"
    " ahead than the pack allows; it waives nothing.",
    "A waiver is an exception someone answers for: a reason a reviewer can judge, an owner, an end"
    " date within the pack's horizon (enforcement.waivers.max_days). One without them is a silent pass.",
    "waivers:\n  - {rule: skill.name-format, paths: ['skills/legacy/**'], reason: TODO, expires: 2099-01-01}",
    "waivers:\n  - rule: skill.name-format\n    paths: ['skills/legacy/**']\n"
    "    reason: legacy skills keep their names until the registry migration\n"
    "    owner: data-platform\n    expires: 2026-03-31\n    ticket: DP-1423",
    fixed=True,
)
WAIVER_EXPIRED = _rule(
    "waiver.expired",
    W,
    "A waiver's end date has passed: the findings it covered count again.",
    "An exception with an end date ends; the findings come back on their own, and this finding says which"
    " waiver to renew (with a new review) or delete.",
    "  - {rule: skill.name-format, ..., expires: 2025-01-31}   # today is 2025-02-03",
    "(fix the findings and delete the entry, or renew it with a reason that still holds)",
    fixed=True,
)
WAIVER_EXPIRING = _rule(
    "waiver.expiring",
    Severity.INFO,
    "A waiver ends within the pack's notice period (enforcement.waivers.notice_days).",
    "Findings that come back on a Monday morning block commits nobody planned for; the notice gives the"
    " owner time to fix them or renew the waiver.",
    "  - {rule: skill.name-format, ..., expires: 2025-02-05}   # today is 2025-02-01",
    "  - {rule: skill.name-format, ..., expires: 2025-04-30}   # renewed, reviewed",
    fixed=True,
)
WAIVER_UNUSED = _rule(
    "waiver.unused",
    W,
    "A waiver covers no finding in a check of the whole repository.",
    "A waiver that matches nothing is either stale (the findings were fixed) or mistyped (a wrong path or"
    " rule id); either way it would silently cover a future finding nobody reviewed. Reported only by"
    " runs over every file (check --all-files, check with no paths), where absence means something.",
    "  - {rule: skill.name-fromat, paths: ['skills/legacy/**'], ...}",
    "  - {rule: skill.name-format, paths: ['skills/legacy/**'], ...}",
    fixed=True,
)
WAIVER_REFUSED = _rule(
    "waiver.refused",
    W,
    "A waiver names a rule that a central layer locked; it does not cover that rule's findings.",
    "A locked rule is one the central policy team decided no repository may weaken; a waiver would be a way"
    " around the lock. The locked rule's findings count (and block as their severity says); this finding"
    " says why the waiver did not hold. Ask the team that owns the lock, or fix the findings.",
    "  - {rule: secrets.no-plaintext, ...}   # locked in projects/payments-api.yml",
    "(fix the finding; a waiver of an unlocked rule is fine)",
    fixed=True,
)

ALL: tuple[BuiltinRule, ...] = (
    PARSE_SYNTAX,
    PARSE_ENCODING,
    PARSE_TOO_LARGE,
    PARSE_ANCHOR,
    PARSE_DUPLICATE_KEY,
    PARSE_DEPTH,
    PARSE_TAG,
    PARSE_KEY,
    PARSE_NUMBER,
    PARSE_MULTI_DOCUMENT,
    PARSE_ROOT,
    PARSE_YAML12,
    PATH_SYMLINK,
    PATH_OUTSIDE_REPO,
    PATH_SUBMODULE,
    PATH_UNREADABLE,
    PACK_INVALID,
    PACK_WARNING,
    PACK_REGEX_TIMEOUT,
    CONFIG_INVALID,
    PACK_UNAVAILABLE,
    PACK_DEPRECATED,
    CONFIG_OVERRIDE_REFUSED,
    CLARIFICATION_INVALID,
    CLARIFICATION_UNKNOWN,
    WAIVER_INVALID,
    WAIVER_EXPIRED,
    WAIVER_EXPIRING,
    WAIVER_UNUSED,
    WAIVER_REFUSED,
)
BY_ID = {rule.id: rule for rule in ALL}


def of(finding: Finding) -> BuiltinRule | None:
    """The built-in rule ``finding`` comes from, or None for a pack's finding (whatever its id)."""
    return BY_ID.get(finding.rule) if finding.pack == BUILTIN_PACK else None
