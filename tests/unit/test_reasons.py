"""Reason templates: the shipped file validates; a bad file fails fast with its name."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.errors import TemplateError
from assistant.recommend.reasons import (
    ReasonTemplates,
    day_label,
    load_reason_languages,
    load_reasons,
)
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


# Spanish --------------------------------------------------------------------------------------
SHIPPED_ES = (BUNDLED_PROMPTS / "reasons.es.yaml").read_text(encoding="utf-8")


def spanish_prompts(tmp_path: Path, text: str = SHIPPED_ES) -> Path:
    """A prompts folder with the shipped English file and the given Spanish one."""
    (tmp_path / "reasons.yaml").write_text(SHIPPED, encoding="utf-8")
    (tmp_path / "reasons.es.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_shipped_spanish_templates_have_every_key_and_render_in_spanish() -> None:
    english, spanish = load_reasons(BUNDLED_PROMPTS), load_reason_languages(BUNDLED_PROMPTS)["es"]
    assert spanish.language == "es" and spanish.source.endswith("reasons.es.yaml")
    assert {s: set(keys) for s, keys in spanish.templates.items()} == {
        s: set(keys) for s, keys in english.templates.items()
    }
    assert spanish.join(["A", "B", "C"]) == "A, B y C"
    assert spanish.day(date(2026, 10, 12), date(2026, 11, 20)) == "12 oct"
    assert spanish.day(date(2025, 10, 12), date(2026, 11, 20)) == "12 oct 2025"
    # the verb follows the reader: "tú" for the learner, third person for someone else
    for other, start in ((False, "Alcanzaste el nivel 3"), (True, "Maya alcanzó el nivel 3")):
        said = spanish.render(
            "next_steps",
            "builds_on",
            other=other,
            subject="Maya",
            achievements="el nivel 3 en A",
            code="B",
            which="ambas",
        )
        assert said.startswith(start), said


def test_english_dates_from_the_templates_read_as_before() -> None:
    english = load_reasons(BUNDLED_PROMPTS)
    for moment in (date(2026, 1, 3), date(2026, 10, 12), date(2025, 12, 31)):
        assert english.day(moment, date(2026, 11, 20)) == day_label(moment, date(2026, 11, 20))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("  struggle: ", "  strugle: "), "next_steps: missing key(s) struggle"),
        (("  focus: ", "  extra: 'x'\n  focus: "), "next_steps: unknown key(s) extra"),
        (
            ("Llegar al nivel {bar} aquí", "Llegar al nivel {nivel} aquí"),
            "next_steps.opens uses unknown placeholder {nivel}",
        ),
        (
            ("{subject} alcanzó {achievements}", "{nombre} alcanzó {achievements}"),
            "next_steps.builds_on.other uses unknown placeholder {nombre}",
        ),
        (('    other: "{subject} ya empezó', '    otro: "{subject} ya empezó'), "started_beyond"),
        (
            ("  purpose: ", "  purpose:\n    other: 'b'\n    self: "),
            "groups.purpose must be a string",
        ),
        (("ene feb mar", "ene feb"), "fragments.months must list 12 month names"),
    ],
)
def test_a_bad_spanish_file_fails_at_start_naming_the_file_and_key(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    assert change[0] in SHIPPED_ES
    prompts = spanish_prompts(tmp_path, SHIPPED_ES.replace(*change, 1))
    with pytest.raises(TemplateError) as caught:
        load_reason_languages(prompts)
    assert str(prompts / "reasons.es.yaml") in str(caught.value)
    assert message in str(caught.value)


def test_a_missing_spanish_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "reasons.yaml").write_text(SHIPPED, encoding="utf-8")
    with pytest.raises(TemplateError, match=r"reasons\.es\.yaml: cannot be read"):
        load_reason_languages(tmp_path)
