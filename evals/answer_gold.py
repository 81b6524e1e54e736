"""The answer-quality gold cases (evals/gold/answers.jsonl) as typed values, with the checks
that keep them valid: every field well formed, every cited guide section and code present in
the bundled knowledge, and every fact of a general question written so that the sources it
cites can satisfy it."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from assistant.chat.types import Role

GOLD_DIR = Path(__file__).parent / "gold"
ANSWER_GOLD = GOLD_DIR / "answers.jsonl"
KINDS = (
    "definition",
    "level_meaning",
    "how_to",
    "yes_no",
    "comparison",
    "list",
    "example_task",
    "class_question",
    "intervention",
    "next_steps",
    "progress",
    "out_of_scope",
)
LANGUAGES = ("en", "es")
ASKER_ROLES = ("student", "parent", "teacher")
FIELDS = ("id", "role", "language", "question", "user", "in_scope", "kind", "facts", "cite", "note")
CODE = re.compile(r"^[A-Z]{1,2}\.[A-Z0-9]+(\.[A-Z0-9]+)+$")
# a cite entry naming learner data rather than knowledge: the class report a teacher's class
# question is answered from
REPORTS = {"report:class"}
AUDIENCE_FOLDER = {"student": "students", "parent": "parents", "teacher": "teachers"}


@dataclass(frozen=True)
class AnswerCase:
    """A question as a person would type it, and what a good answer must say and cite."""

    id: str
    role: Role
    language: str
    question: str
    user: str | None
    in_scope: bool
    kind: str
    facts: tuple[tuple[str, ...], ...]  # each fact: regular expressions, any one is enough
    # guide paths ("path" or "path#Section"), competency codes and "report:class"
    cite: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class CiteTarget:
    """One acceptable source: a competency code, a knowledge file with an optional section,
    or a report of learner data ("class")."""

    code: str | None = None
    path: str | None = None
    section: str | None = None
    report: str | None = None


def cite_target(entry: str) -> CiteTarget:
    if CODE.match(entry):
        return CiteTarget(code=entry)
    if entry in REPORTS:
        return CiteTarget(report=entry.partition(":")[2])
    path, _, section = entry.partition("#")
    return CiteTarget(path=path, section=section or None)


def load_answer_cases(path: Path = ANSWER_GOLD) -> list[AnswerCase]:
    """The cases of `path`; a malformed line raises ValueError naming the file, line and field."""
    cases: list[AnswerCase] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {number}"
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{where}: not JSON ({exc})") from exc
        if not isinstance(row, dict):
            raise ValueError(f"{where}: not a JSON object")
        case = _case(row, where)
        if case.id in seen:
            raise ValueError(f"{where}: field 'id': {case.id} is used twice")
        seen.add(case.id)
        cases.append(case)
    return cases


def _case(row: Mapping[str, Any], where: str) -> AnswerCase:
    missing = [name for name in FIELDS if name not in row]
    if missing:
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")

    def text(name: str) -> str:
        value = row[name]
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{where}: field '{name}' must be a non-empty string")
        return value

    def one_of(name: str, allowed: Iterable[str]) -> str:
        value = text(name)
        if value not in allowed:
            raise ValueError(f"{where}: field '{name}': {value!r} is not one of {list(allowed)}")
        return value

    role = one_of("role", ASKER_ROLES)
    user = row["user"]
    if user is not None and (not isinstance(user, str) or not user.strip()):
        raise ValueError(f"{where}: field 'user' must be null or a user id")
    in_scope = row["in_scope"]
    if not isinstance(in_scope, bool):
        raise ValueError(f"{where}: field 'in_scope' must be true or false")
    kind = one_of("kind", KINDS)
    if (kind == "out_of_scope") == in_scope:
        raise ValueError(f"{where}: field 'kind': out_of_scope exactly when in_scope is false")
    facts = _facts(row["facts"], where)
    cite = row["cite"]
    if not isinstance(cite, list) or not all(isinstance(c, str) and c for c in cite):
        raise ValueError(f"{where}: field 'cite' must be a list of strings")
    if in_scope and not (1 <= len(facts) <= 3 and cite):
        raise ValueError(f"{where}: an in-scope case needs 1 to 3 facts and a cite list")
    if not in_scope and (facts or cite):
        raise ValueError(f"{where}: an out-of-scope case has no facts and no cite list")
    return AnswerCase(
        id=text("id"),
        role=role,  # type: ignore[arg-type]  # checked against ASKER_ROLES
        language=one_of("language", LANGUAGES),
        question=text("question"),
        user=user,
        in_scope=in_scope,
        kind=kind,
        facts=facts,
        cite=tuple(cite),
        note=text("note"),
    )


def _facts(value: object, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: field 'facts' must be a list of lists of patterns")
    facts: list[tuple[str, ...]] = []
    for n, fact in enumerate(value, start=1):
        if not isinstance(fact, list) or not fact or not all(isinstance(p, str) for p in fact):
            raise ValueError(f"{where}: field 'facts', fact {n}: a non-empty list of patterns")
        for pattern in fact:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"{where}: field 'facts', fact {n}: {pattern!r}: {exc}") from exc
        facts.append(tuple(fact))
    return tuple(facts)


# --- checks against the bundled knowledge ---------------------------------------------------


def knowledge_problems(cases: Iterable[AnswerCase], knowledge: Path) -> list[str]:
    """Everything in the cases that the knowledge folder contradicts: unknown users or users of
    another role, cited files, sections or codes that do not exist, guides the asker's
    audience cannot be shown, and facts of general questions that no cited source satisfies
    (a question about the asker's own data is judged against that data, not the guides)."""
    users = _roster(knowledge)
    entries = _framework_entries(knowledge)
    problems: list[str] = []
    for case in cases:
        if case.user is not None and users.get(case.user) != case.role:
            problems.append(f"{case.id}: user {case.user} is not a {case.role} of the demo school")
        sources: list[str] = []
        for entry in case.cite:
            target = cite_target(entry)
            if target.report is not None:
                if case.role != "teacher" or case.user is None:
                    problems.append(f"{case.id}: cite {entry}: only a teacher's class question")
                continue
            if target.code is not None:
                if target.code not in entries:
                    problems.append(f"{case.id}: cite {entry}: no such competency code")
                    continue
                sources.append(entries[target.code])
                continue
            assert target.path is not None
            problem = _path_problem(case, target, knowledge)
            if problem:
                problems.append(f"{case.id}: cite {entry}: {problem}")
                continue
            sources.append(_section_text(knowledge / target.path, target.section))
        if case.user is None:
            corpus = "\n".join(sources)
            for n, fact in enumerate(case.facts, start=1):
                if not any(re.search(p, corpus, re.IGNORECASE) for p in fact):
                    problems.append(f"{case.id}: fact {n} {list(fact)} is in no cited source")
    return problems


def _path_problem(case: AnswerCase, target: CiteTarget, knowledge: Path) -> str | None:
    assert target.path is not None
    file = knowledge / target.path
    if not file.is_file():
        return "no such file"
    parts = Path(target.path).parts
    if parts[0] == "guides" and parts[1] != AUDIENCE_FOLDER[case.role]:
        return f"a guide the {case.role} audience is not shown"
    if target.section is not None and target.section not in _headings(file):
        return "no such section"
    return None


@cache
def _headings(file: Path) -> tuple[str, ...]:
    return tuple(
        m.group(2).strip()
        for m in re.finditer(r"^(#{2,6})\s+(.+)$", file.read_text(encoding="utf-8"), re.M)
    )


@cache
def _section_text(file: Path, section: str | None) -> str:
    """The whole file, or one `##`/`###` section with its subsections."""
    text = file.read_text(encoding="utf-8")
    if section is None:
        return text
    lines = text.splitlines()
    out: list[str] = []
    level = 0
    for line in lines:
        heading = re.match(r"^(#{1,6})\s+(.+)$", line)
        if heading and level and len(heading.group(1)) <= level:
            break
        if heading and heading.group(2).strip() == section:
            level = len(heading.group(1))
        if level:
            out.append(line)
    return "\n".join(out)


@cache
def _roster(knowledge: Path) -> dict[str, str]:
    with (knowledge / "demo" / "roster.csv").open(encoding="utf-8", newline="") as handle:
        return {row["user_id"]: row["role"] for row in csv.DictReader(handle) if row["user_id"]}


@cache
def _framework_entries(knowledge: Path) -> dict[str, str]:
    """Code -> the text a competency answer can draw on: title, statement, notes, the level
    descriptors, and the codes it builds on and leads to."""
    entries: dict[str, str] = {}
    for file in sorted((knowledge / "frameworks").glob("*.json")):
        package = json.loads(file.read_text(encoding="utf-8"))
        items = {item["identifier"]: item for item in package.get("CFItems", [])}
        code_of = {key: str(item.get("humanCodingScheme") or "") for key, item in items.items()}
        texts: dict[str, list[str]] = {
            key: [
                code_of[key],
                str(item.get("abbreviatedStatement") or ""),
                str(item.get("fullStatement") or ""),
                str(item.get("notes") or ""),
            ]
            for key, item in items.items()
        }
        for association in package.get("CFAssociations", []):
            if association.get("associationType") != "precedes":
                continue
            before = association["originNodeURI"]["identifier"]
            after = association["destinationNodeURI"]["identifier"]
            if before in texts and after in texts:
                texts[after].append(f"builds on {code_of[before]}")
                texts[before].append(f"leads to {code_of[after]}")
        for rubric in package.get("CFRubrics", []):
            for criterion in rubric.get("CFRubricCriteria", []):
                key = criterion.get("CFItemURI", {}).get("identifier")
                for level in criterion.get("CFRubricCriterionLevels", []):
                    if key in texts:
                        texts[key].append(f"{level.get('quality')}: {level.get('description')}")
        for key, parts in texts.items():
            if code_of[key]:
                entries[code_of[key]] = "\n".join(parts)
    return entries
