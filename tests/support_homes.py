"""Small schools built once per test process and copied for each test that asks.

Importing a roster and its evidence into a new database takes most of a second; copying the
home folder it leaves takes milliseconds. Each copy is private: tests may write to it. A test
marked `migrations` builds its school for real, so its database runs the Alembic migrations.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable, Hashable
from pathlib import Path

from assistant.container import Assistant
from tests.conftest import real_migrations

_HOMES: dict[Hashable, Path] = {}


def copied_home(home: Path, key: Hashable, build: Callable[[Path], Assistant]) -> bool:
    """Fill `home` with a copy of the home `build(folder)` leaves at folder/"home", built once
    per process for `key`. False, with nothing copied, when `home` exists already or the test
    runs the real migrations: the caller then builds the school itself."""
    if home.exists() or real_migrations():
        return False
    if key not in _HOMES:
        folder = Path(tempfile.mkdtemp(prefix="waypoint-school-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        built = build(folder)
        built.records.close()
        built.learner_db.dispose()  # the last connection closed: the SQLite logs are folded in
        _HOMES[key] = folder / "home"
    shutil.copytree(_HOMES[key], home)
    return True
