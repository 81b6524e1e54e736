"""Nested settings keep every documented WAYPOINT_ variable, and each value has one default.

Every variable the README and docs/ name must land in exactly one settings field, the one
`environment_names()` says; a bad value is refused naming its variable; and the parts that
take a setting as a parameter default to the setting's own default (no drifted hand copy).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest

from assistant.chat.engine import ChatEngine
from assistant.frameworks.case_import import load_framework
from assistant.imports.evidence import EvidenceImporter
from assistant.leaders.service import LeaderService
from assistant.learners.mastery import BayesianKnowledgeTracing, ProficiencyScaleRule
from assistant.lti.tool import LtiTool
from assistant.recommend.next_steps import Recommender
from assistant.retrieval.embeddings import make_embedder
from assistant.settings import GROUPED, Settings, environment_names
from assistant.settings_groups import ClassRules, RankingWeights
from assistant.settings_services import ChatLimits

REPO = Path(__file__).resolve().parents[2]
# Variables the docs name that the test harness reads, not Waypoint.
HARNESS = {"WAYPOINT_SCREENSHOTS", "WAYPOINT_TEST_BACKEND", "WAYPOINT_TEST_POSTGRES_URL"}


def documented() -> list[str]:
    texts = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    found = {m for path in texts for m in re.findall(r"WAYPOINT_[A-Z0-9_]+", path.read_text())}
    return sorted(found - HARNESS)


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    import os

    for name in [n for n in os.environ if n.upper().startswith("WAYPOINT_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def _field(location: str) -> Any:
    if "." not in location:
        return Settings.model_fields[location]
    group, name = location.split(".")
    return Settings.model_fields[group].annotation.model_fields[name]  # type: ignore[union-attr]


def _read(settings: Settings, location: str) -> Any:
    value: Any = settings
    for part in location.split("."):
        value = getattr(value, part)
    return value


def _sample(location: str, default: Any, tmp_path: Path) -> tuple[str, Any]:
    """A valid value other than the default: as the environment gives it, and as read back."""
    annotation = _field(location).annotation
    if annotation is bool:
        return str(not default).lower(), not default
    if get_origin(annotation) is Literal:
        other = next(choice for choice in get_args(annotation) if choice != default)
        return str(other), other
    if annotation is int:
        return str(default + 1), default + 1
    if annotation is float:
        value = round(default * 0.9, 4) if default else 0.5
        return str(value), value
    if annotation is Path:
        return str(tmp_path), tmp_path
    if get_origin(annotation) is tuple:
        return '["https://login.example.org"]', ("https://login.example.org",)
    return "example.org", "example.org"


def _all_values(settings: Settings) -> dict[str, Any]:
    return {location: _read(settings, location) for location in environment_names().values()}


def test_every_documented_variable_is_read(clean_environment: pytest.MonkeyPatch) -> None:
    names = environment_names()
    unknown = [name for name in documented() if name not in names]
    assert not unknown, f"documented but not read by Settings: {unknown}"
    assert len(documented()) > 40  # the docs were read


@pytest.mark.parametrize("variable", documented())
def test_a_documented_variable_lands_in_its_field_and_only_there(
    variable: str, clean_environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    location = environment_names()[variable]
    before = _all_values(Settings())
    text, expected = _sample(location, before[location], tmp_path)
    clean_environment.setenv(variable, text)
    after = _all_values(Settings())
    assert after[location] == expected
    if variable != "WAYPOINT_PROFILE":  # the profile sets other values on purpose
        changed = {where for where, value in after.items() if value != before[where]}
        assert changed == {location}


def test_grouped_values_keep_their_flat_names(clean_environment: pytest.MonkeyPatch) -> None:
    names = environment_names()
    assert names["WAYPOINT_CHAT_PASSAGES"] == "chat.passages"
    assert names["WAYPOINT_LTI_GRADE_PASSBACK"] == "lti.grade_passback"
    assert names["WAYPOINT_VECTOR_STORE"] == "store.kind"
    assert names["WAYPOINT_RANK_WEIGHT_PRIORITY"] == "ranking.priority"
    assert names["WAYPOINT_STUCK_DAYS"] == "class_rules.stuck_days"
    # every field of every group has exactly one name
    fields = [
        (group, name)
        for group, info in Settings.model_fields.items()
        if group in {g for g, _ in GROUPED.values()}
        for name in info.annotation.model_fields  # type: ignore[union-attr]
    ]
    assert sorted(fields) == sorted(GROUPED.values())
    # keyword arguments take the same names, and win over the environment
    clean_environment.setenv("WAYPOINT_CHAT_PASSAGES", "7")
    assert Settings().chat.passages == 7
    assert Settings(chat_passages=4).chat.passages == 4
    assert Settings().updated(chat_passages=5, leader_precompute="inline").chat.passages == 5


def test_a_bad_value_names_its_variable(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("WAYPOINT_CHAT_PASSAGES", "99")
    with pytest.raises(ValueError, match=r"WAYPOINT_CHAT_PASSAGES: .*less than or equal to 30"):
        Settings()
    clean_environment.setenv("WAYPOINT_CHAT_PASSAGES", "3")
    clean_environment.setenv("WAYPOINT_LTI_GRADE_PASSBACK", "maybe")
    with pytest.raises(ValueError, match="WAYPOINT_LTI_GRADE_PASSBACK"):
        Settings()
    with pytest.raises(ValueError, match="WAYPOINT_UI_PORT"):
        Settings(lti_grade_passback=False, ui_port=0)


def test_an_unknown_variable_is_ignored_as_before(clean_environment: pytest.MonkeyPatch) -> None:
    # The test harness and the browser tests read their own WAYPOINT_ variables.
    clean_environment.setenv("WAYPOINT_NO_SUCH_SETTING", "1")
    assert Settings().chat == ChatLimits()


def test_the_test_profile_yields_to_what_is_set(clean_environment: pytest.MonkeyPatch) -> None:
    assert Settings(profile="test").embedding.backend == "torch"
    assert Settings(profile="test", embedding_backend="onnx-int8").embedding.backend == "onnx-int8"
    clean_environment.setenv("WAYPOINT_LEADER_PRECOMPUTE", "inline")
    assert Settings(profile="test").leaders.precompute == "inline"


def _default(part: Callable[..., Any], parameter: str) -> Any:
    return inspect.signature(part).parameters[parameter].default


# (part, its parameter, the setting it is given in production)
PART_DEFAULTS: list[tuple[Callable[..., Any], str, str]] = [
    (make_embedder, "batch_size", "embedding_batch_size"),
    (make_embedder, "threads", "embedding_threads"),
    (ProficiencyScaleRule, "window", "mastery_window"),
    (ProficiencyScaleRule, "decay", "mastery_decay"),
    (BayesianKnowledgeTracing, "threshold", "bkt_mastery_threshold"),
    (BayesianKnowledgeTracing, "window", "mastery_window"),
    (BayesianKnowledgeTracing, "decay", "mastery_decay"),
    (BayesianKnowledgeTracing, "min_learners", "bkt_min_learners"),
    (Recommender, "struggle_days", "struggle_days"),
    (Recommender, "limit", "next_steps_limit"),
    (LeaderService, "min_group", "equity_min_group"),
    (LtiTool, "grade_passback", "lti_grade_passback"),
    (LtiTool, "sync_on_launch", "lti_sync_on_launch"),
    (EvidenceImporter, "max_bytes", "max_upload_bytes"),
    (load_framework, "max_bytes", "max_file_bytes"),
]


@pytest.mark.parametrize(
    ("part", "parameter", "setting"),
    PART_DEFAULTS,
    ids=[f"{p.__name__}.{name}" for p, name, _ in PART_DEFAULTS],
)
def test_a_part_defaults_to_the_setting_it_is_given(
    part: Callable[..., Any], parameter: str, setting: str, clean_environment: pytest.MonkeyPatch
) -> None:
    assert _default(part, parameter) == Settings().value(setting)


def test_the_parts_take_the_settings_groups_themselves(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    settings = Settings()
    # ChatLimits once said 6 passages where production used 3; now there is one class
    assert inspect.signature(ChatEngine).parameters["limits"].annotation == "ChatLimits"
    assert settings.chat == ChatLimits() and ChatLimits().passages == 3
    assert settings.class_rules == ClassRules() and settings.ranking == RankingWeights()
    assert _default(LeaderService, "precompute") is inspect.Parameter.empty
