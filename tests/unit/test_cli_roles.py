"""`waypoint ask` and `chat` take the asker's role from the roster: a --role that disagrees with
--user's role is refused in one line before anything is read or answered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.container import Assistant
from tests.support_learners import small_school


@pytest.fixture
def school(tmp_path: Path) -> Iterator[Assistant]:
    built = small_school(tmp_path)
    yield built
    built.records.close()


@pytest.mark.parametrize(
    ("user", "role"), [("s1", "teacher"), ("s1", "admin"), ("p1", "student"), ("t1", "admin")]
)
def test_a_role_that_disagrees_with_the_roster_is_refused(
    school: Assistant, capsys: pytest.CaptureFixture[str], user: str, role: str
) -> None:
    for command in ("ask", "chat"):
        words = [command, "what should I work on next?"] if command == "ask" else [command]
        code = main([*words, "--user", user, "--role", role], make_assistant=lambda: school)
        captured = capsys.readouterr()
        assert code == 1 and captured.out == ""
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and "does not match" in lines[0] and user in lines[0]


def test_an_unknown_user_is_refused_in_one_line(
    school: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ask", "hello", "--user", "nobody"], make_assistant=lambda: school)
    captured = capsys.readouterr()
    assert code == 1 and len(captured.err.strip().splitlines()) == 1
