"""Reason templates: the shipped file validates; a bad file fails fast with its name."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.errors import TemplateError
from assistant.recommend.reasons import ReasonTemplates, day_label, load_reasons
from assistant.settings import BUNDLED_PROMPTS

SHIPPED = (BUNDLED_PROMPTS / "reasons.yaml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reasons.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_templates_load_and_render() -> None:
    reasons = load_reasons(BUNDLED_PROMPTS)
    assert reasons.join(["A"]) == "A"
    assert reasons.join(["A", "B"]) == "A and B"
    assert reasons.join(["A", "B", "C"]) == "A, B and C"
    assert reasons.which(2) == "both"
    assert reasons.subject(None) == "You" and reasons.possessive("Maya") == "Maya's"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("{subject} reached", "{learner} reached"), "unknown placeholder {learner}"),
        (("  struggle:", "  strugle:"), "missing key(s) struggle"),
        (("version: 1", "version: 2"), "version must be 1"),
        (("Reaching {bar} here", "Reaching {bar:>5} here"), "take no format"),
        (("It is a class focus", "It is a focus for {class}"), "(none allowed)"),
    ],
)
def test_bad_templates_fail_fast_with_the_file_name(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = write(tmp_path, SHIPPED.replace(*change, 1))
    with pytest.raises(TemplateError) as caught:
        ReasonTemplates.load(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_missing_key_and_bad_yaml(tmp_path: Path) -> None:
    without = "\n".join(line for line in SHIPPED.splitlines() if not line.startswith("  opens:"))
    with pytest.raises(TemplateError, match="missing key"):
        ReasonTemplates.load(write(tmp_path, without))
    with pytest.raises(TemplateError, match="not valid YAML"):
        ReasonTemplates.load(write(tmp_path, "next_steps: [unclosed"))
    with pytest.raises(TemplateError, match="cannot be read"):
        ReasonTemplates.load(tmp_path / "nope.yaml")


def test_dates_read_like_a_person_wrote_them() -> None:
    assert day_label(date(2026, 10, 12), date(2026, 11, 20)) == "12 Oct"
    assert day_label(date(2025, 10, 12), date(2026, 11, 20)) == "12 Oct 2025"
