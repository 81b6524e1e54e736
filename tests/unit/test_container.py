"""The composition root: the parts built on the framework catalog are one snapshot, swapped
whole when the frameworks change, so no reader ever sees parts of two catalogs."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from assistant.container import Assistant, build_assistant
from assistant.container_parts import CatalogParts
from assistant.settings import Settings
from tests.fakes.embedder import FakeEmbedder

# Every part a CatalogParts builds, read through the Assistant under the same name.
BUILT = sorted(
    name for name, member in vars(CatalogParts).items() if isinstance(member, cached_property)
)


@pytest.fixture
def school(tmp_path: Path) -> Iterator[Assistant]:
    built = build_assistant(
        Settings(profile="test", home=tmp_path / "home"), embedder=FakeEmbedder()
    )
    yield built
    built.records.close()
    built.learner_db.dispose()


def _catalogs(part: Any) -> set[int]:
    """The ids of the catalogs a part (or the parts it holds) was built with."""
    found = {id(part.catalog)} if hasattr(part, "catalog") else set()
    for inner in ("mastery", "recommender", "next_steps_service", "teams", "interventions"):
        if hasattr(part, inner):
            found |= _catalogs(getattr(part, inner))
    return found


def test_every_catalog_part_is_reachable_from_the_assistant() -> None:
    assert {"mastery", "recommender", "leaders", "progress", "chat_learners"} <= set(BUILT)
    for name in [*BUILT, "catalog", "translations"]:
        assert hasattr(Assistant, name), name


def test_a_refresh_replaces_every_catalog_part_at_once(school: Assistant) -> None:
    old = school.parts
    held = {name: getattr(old, name) for name in BUILT}  # a reader holding the old snapshot
    school.refresh_catalog()
    new = school.parts
    assert new is not old and new.catalog is not old.catalog
    for name in BUILT:
        current = getattr(school, name)
        assert current is getattr(new, name), name
        assert current is not held[name], f"{name} survived the refresh"
        assert _catalogs(current) <= {id(new.catalog)}, f"{name} mixes catalogs"
        # the old snapshot stays whole: its parts all still read the old catalog
        assert _catalogs(held[name]) <= {id(old.catalog)}, f"old {name} changed"
    assert school.catalog is new.catalog and school.translations is new.translations
    assert old.mastery is held["mastery"]  # built once per snapshot


def test_the_chat_engine_follows_the_catalog(school: Assistant) -> None:
    engine = school.chat
    assert school.chat is engine
    school.refresh_catalog()
    assert school.chat is not engine
