"""The admin's list of indexed files says what each file is: a guide whose sections list the
questions they answer is a guide (its question entries are index entries, not its type)."""

from __future__ import annotations

from pathlib import Path

from assistant.container import build_assistant
from assistant.settings import Settings
from tests.support_privacy import HashEmbedder

GUIDE = """---
title: Homework at home
audience: parents
language: en
questions:
  "Helping with homework":
    - how do I help with homework
    - should I correct my child's homework
    - how long should homework take
---
# Homework at home

## Helping with homework

Sit nearby, ask your child to explain the steps out loud, and let mistakes stay on the page.

## When it is too hard

Write a note to the teacher saying which step was hard.
"""


def test_a_guide_with_questions_is_listed_as_a_guide_with_its_audience(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    (knowledge / "guides" / "parents").mkdir(parents=True)
    (knowledge / "guides" / "parents" / "homework.md").write_text(GUIDE)
    school = build_assistant(
        Settings(profile="test", home=tmp_path / "home", knowledge_dir=knowledge),
        embedder=HashEmbedder(),
    )
    try:
        school.knowledge_admin.reindex()
        kept = school.knowledge_admin.add("snow.md", GUIDE.encode(), audience="parents")
        school.knowledge_admin.reindex()
        files = {f.path: f for f in school.knowledge_admin.files()}
    finally:
        school.records.close()
    assert kept.is_file()
    for path in ("guides/parents/homework.md", "parents/snow.md"):
        listed = files[path]
        assert (listed.doc_type, listed.audience, listed.language) == ("guide", "parents", "en")
        assert listed.passages >= 2 and listed.changed is not None
