"""Helpers for privacy tests: the demo school loaded once, copied fresh for each test."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from assistant.container import Assistant, build_assistant
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.db import Evidence
from assistant.learners.demo import load_demo
from assistant.settings import Settings


def build_demo_home(folder: Path) -> Path:
    """A WAYPOINT_HOME with the demo school loaded (and no index: no embedding model)."""
    home = folder / "home"
    built = build_assistant(Settings(profile="test", home=home))
    load_demo(built.roster_importer, built.evidence_importer, built.overrides, LOCAL_ADMIN)
    built.records.close()
    built.learner_db.dispose()
    return home


def demo_copy(template: Path, tmp_path: Path) -> Assistant:
    """An assistant over a private copy of the demo home."""
    home = tmp_path / "home"
    shutil.copytree(template, home)
    return build_assistant(Settings(profile="test", home=home))


def evidence_counts(school: Assistant) -> dict[str, int]:
    with school.learner_db.session() as session:
        rows = session.execute(
            select(Evidence.learner_id, func.count(Evidence.id)).group_by(Evidence.learner_id)
        )
        return {learner_id: count for learner_id, count in rows}
