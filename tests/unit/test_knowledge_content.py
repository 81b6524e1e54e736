"""The bundled knowledge base: structure, links, language, plain words and equity."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import frontmatter
import pytest

from assistant.frameworks.case_import import load_framework
from assistant.frameworks.graph import find_cycle
from assistant.frameworks.model import Framework
from assistant.language import detect_language
from assistant.settings import BUNDLED_KNOWLEDGE
from evals.readability import grade_level, reading_ease_es

MATH = BUNDLED_KNOWLEDGE / "frameworks" / "waypoint-math-ratios-expressions.json"
HABITS = BUNDLED_KNOWLEDGE / "frameworks" / "waypoint-habits-of-success.json"
LEVELS = ["Beginning", "Developing", "Proficient", "Advanced"]
CODE_IN_TEXT = re.compile(r"\b(?:M\.\d\.(?:RP|EE|F)|H\.[A-Z]{2}\.[AB])\.\d+\b")
GUIDE_FILES = sorted((BUNDLED_KNOWLEDGE / "guides").rglob("*.md")) + sorted(
    (BUNDLED_KNOWLEDGE / "resources").rglob("*.md")
)


def competencies(framework: Framework) -> list[str]:
    return [i.identifier for i in framework if i.item_type == "Competency"]


def longest_chain(framework: Framework) -> int:
    memo: dict[str, int] = {}

    def depth(node: str) -> int:
        if node not in memo:
            memo[node] = 1 + max(
                (depth(p) for p in framework.prerequisites.get(node, [])), default=0
            )
        return memo[node]

    return max(depth(n) for n in framework.items)


def resources_by_code() -> Counter[str]:
    linked: Counter[str] = Counter()
    for path in (BUNDLED_KNOWLEDGE / "resources").rglob("*.md"):
        for code in frontmatter.load(str(path)).metadata.get("competencies") or []:
            linked[str(code)] += 1
    return linked


@pytest.mark.parametrize(("path", "minimum"), [(MATH, 40), (HABITS, 25)])
def test_framework_structure(path: Path, minimum: int) -> None:
    framework = load_framework(path)
    items = competencies(framework)
    assert len(items) >= minimum
    assert framework.case_version == "1.1"
    for identifier in items:
        path_types = [p.item_type for p in framework.parent_path(identifier)]
        assert path_types == ["Domain", "Cluster"], framework.items[identifier].label
        assert framework.items[identifier].statement.startswith("I can")
        assert [lv.label for lv in framework.levels[identifier]] == LEVELS
        assert [lv.score for lv in framework.levels[identifier]] == [1.0, 2.0, 3.0, 4.0]
    assert find_cycle(framework.prerequisites) is None
    entry_points = [i for i in items if not framework.prerequisites.get(i)]
    assert len(entry_points) >= 3
    assert longest_chain(framework) >= 4


@pytest.mark.parametrize("path", [MATH, HABITS])
def test_every_competency_has_a_practice_resource(path: Path) -> None:
    framework = load_framework(path)
    linked = resources_by_code()
    missing = [
        framework.items[i].label
        for i in competencies(framework)
        if not linked[str(framework.items[i].code)]
    ]
    assert missing == []


def test_enough_substantial_guides_with_complete_front_matter() -> None:
    assert len(GUIDE_FILES) >= 40
    for path in GUIDE_FILES:
        post = frontmatter.load(str(path))
        meta = post.metadata
        for key in ("title", "audience", "topic", "language", "sources"):
            assert meta.get(key), f"{path.name}: front matter {key} is missing"
        assert meta["audience"] in ("students", "parents", "teachers", "all"), path.name
        assert meta["language"] in ("en", "es"), path.name
        assert path.name.endswith(f".{meta['language']}.md"), path.name
        assert len(post.content.split()) >= 250, f"{path.name} is not a real page"
        assert "http" not in post.content, f"{path.name} has a link"


def test_per_audience_coverage() -> None:
    audiences = Counter(str(frontmatter.load(str(p)).metadata["audience"]) for p in GUIDE_FILES)
    assert audiences["parents"] >= 12 and audiences["teachers"] >= 9
    assert audiences["students"] >= 8


def test_core_parent_guides_exist_in_english_and_spanish() -> None:
    folder = BUNDLED_KNOWLEDGE / "guides" / "parents"
    for slug in (
        "what-is-cbe",
        "proficiency-levels",
        "pace-and-time",
        "helping-at-home-math",
        "faq-worries",
    ):
        assert (folder / f"{slug}.en.md").is_file()
        spanish = frontmatter.load(str(folder / f"{slug}.es.md"))
        assert spanish.metadata["translation_of"] == f"{slug}.en.md"


def test_every_code_mentioned_in_a_guide_resolves() -> None:
    known = {str(i.code) for fw in (load_framework(MATH), load_framework(HABITS)) for i in fw}
    unresolved = {}
    for path in GUIDE_FILES:
        post = frontmatter.load(str(path))
        mentioned = set(CODE_IN_TEXT.findall(post.content))
        mentioned |= {str(c) for c in post.metadata.get("competencies") or []}
        if mentioned - known:
            unresolved[path.name] = sorted(mentioned - known)
    assert unresolved == {}


def test_level_names_in_guides_are_the_frameworks() -> None:
    pattern = re.compile(r"\b([1-4]) ?[-–(]? ?(Beginning|Developing|Proficient|Advanced)\b")
    for path in GUIDE_FILES:
        for number, label in pattern.findall(path.read_text(encoding="utf-8")):
            assert LEVELS[int(number) - 1] == label, f"{path.name}: {number} {label}"


def test_parent_guides_are_plain_language() -> None:
    grades = {}
    for path in sorted((BUNDLED_KNOWLEDGE / "guides" / "parents").glob("*.en.md")):
        grades[path.name] = grade_level(frontmatter.load(str(path)).content)
    assert grades
    too_hard = {name: round(g, 1) for name, g in grades.items() if g > 8.0}
    assert too_hard == {}
    spanish = {
        p.name: reading_ease_es(frontmatter.load(str(p)).content)
        for p in sorted((BUNDLED_KNOWLEDGE / "guides" / "parents").glob("*.es.md"))
    }
    assert len(spanish) >= 5
    assert {name: e for name, e in spanish.items() if e < 60} == {}


def test_no_guide_recommends_fixed_ability_tracking() -> None:
    """Every section that talks about tracking or fixed ability groups argues against it."""
    mentions = re.compile(
        r"\btrack(ing|ed)?\b.{0,40}\babilit|\babilit\w*.{0,20}\b(track|group)|"
        r"fixed (ability )?group",
        re.I | re.S,
    )
    against = re.compile(
        r"\b(not|never|avoid\w*|instead|harm\w*|unlike|rather than|"
        r"without|isn't|doesn't|don't|no longer|problem\w*|risk\w*|"
        r"nunca|evit\w*|en lugar|perjudic\w*|dañ\w*)",
        re.I,
    )
    checked = 0
    for path in GUIDE_FILES:
        for section in re.split(r"^## ", frontmatter.load(str(path)).content, flags=re.M):
            if mentions.search(section):
                checked += 1
                assert against.search(section), f"{path.name}: {section[:120]}"
    assert checked >= 1  # the teacher guides do discuss tracking, and argue against it


GOLD = Path(__file__).resolve().parents[2] / "evals" / "gold"


def _jsonl(path: Path) -> list[dict[str, object]]:
    import json

    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_gold_retrieval_set_counts_and_references_resolve() -> None:
    cases = _jsonl(GOLD / "retrieval.jsonl")
    assert len(cases) >= 120
    assert len({c["id"] for c in cases}) == len(cases)
    audiences = Counter(str(c["audience"]) for c in cases)
    assert min(audiences[a] for a in ("students", "parents", "teachers")) >= 30
    kinds = Counter(str(c["kind"]) for c in cases)
    assert kinds["spanish"] >= 10 and kinds["misspelled"] >= 10 and kinds["code"] >= 10
    known = {str(i.code) for fw in (load_framework(MATH), load_framework(HABITS)) for i in fw}
    for case in cases:
        sources = list(case.get("relevant_sources") or [])  # type: ignore[call-overload]
        codes = list(case.get("relevant_codes") or [])  # type: ignore[call-overload]
        assert sources or codes, case["id"]
        for source in sources:
            assert (BUNDLED_KNOWLEDGE / source).is_file(), f"{case['id']}: {source}"
        assert set(codes) <= known, case["id"]


def test_out_of_scope_set_exists() -> None:
    cases = _jsonl(GOLD / "out_of_scope.jsonl")
    assert len(cases) >= 30
    assert all(str(c["question"]).strip() for c in cases)


@pytest.mark.parametrize(
    "path",
    sorted((BUNDLED_KNOWLEDGE / "guides").rglob("*.md")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_every_guide_section_lists_the_questions_it_answers(path: Path) -> None:
    """A typed question is matched against these as well as against the text; each section
    needs several phrasings, in the guide's own language."""
    post = frontmatter.load(path)
    headings = re.findall(r"^## (.+?)\s*$", post.content, re.M)
    listed = post.metadata.get("questions") or {}
    assert sorted(listed) == sorted(headings), "every section, and only sections, have questions"
    spanish = path.name.endswith(".es.md")
    for heading, questions in listed.items():
        assert len(questions) >= 4, heading
        language = detect_language(" ".join(questions))
        assert language == ("es" if spanish else "en"), f"{heading}: not in the guide's language"
