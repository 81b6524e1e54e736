"""What a person can type or upload never ends in a traceback: invisible-only and overlong
messages are refused with a reason the page turns into words; long upload names are shortened."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from assistant.app.uploads import MAX_NAME, import_evidence_upload, safe_file_name
from assistant.chat.guards import MessageRejectedError, clean_message
from assistant.learners.access import LOCAL_ADMIN
from tests.support_learners import EVIDENCE_HEADER, small_school

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202e\u2066\u180e"


@pytest.mark.parametrize("text", [INVISIBLE, " \u2060 \ufeff ", "\u200b" * 50, "\x00\x07"])
def test_a_message_of_only_invisible_characters_is_empty(text: str) -> None:
    with pytest.raises(MessageRejectedError) as refused:
        clean_message(text, 100)
    assert refused.value.reason == "empty"


def test_invisible_characters_are_removed_from_a_real_question() -> None:
    assert clean_message("what\u2060 does a\ufeff 3 mean?", 100) == "what does a 3 mean?"


def test_a_message_that_grows_under_normalisation_is_measured_after_it() -> None:
    grows = "\u0958" * 60  # NFC decomposes each of these into two code points
    assert len(unicodedata.normalize("NFC", grows)) == 120
    with pytest.raises(MessageRejectedError) as refused:
        clean_message(grows, 100)
    assert refused.value.reason == "too_long" and refused.value.limit == 100
    assert len(clean_message("\u0958" * 50, 100)) == 100


def test_long_upload_names_are_shortened_with_their_extension() -> None:
    name = "ñ" * 10 + "a" * 300 + ".csv"
    clean = safe_file_name(name, "evidence.csv")
    assert len(clean) <= MAX_NAME and clean.endswith(".csv")
    assert safe_file_name("../../etc/passwd", "x.csv") == "passwd"
    assert safe_file_name("C:\\\\Users\\\\me\\\\marks.csv", "x.csv") == "marks.csv"
    assert safe_file_name("...", "x.csv") == "x.csv"


def test_an_upload_with_a_300_character_name_is_imported(tmp_path: Path) -> None:
    school = small_school(tmp_path)
    rows = [",".join(EVIDENCE_HEADER), "A,M.6.RP.1,3,2026-10-01"]
    data = ("\n".join(rows) + "\n").encode()
    report = import_evidence_upload(
        school.evidence_importer, LOCAL_ADMIN, "x" * 300 + ".csv", data, limit=10_000
    )
    assert report.added == 1 and len(Path(report.path).name) <= MAX_NAME
    school.records.close()


def test_a_knowledge_upload_with_a_300_character_name_is_kept_under_a_short_name(
    tmp_path: Path,
) -> None:
    school = small_school(tmp_path)
    guide = "---\ntitle: Homework\naudience: parents\nlanguage: en\n---\n# Homework\n\nPractice.\n"
    kept = school.knowledge_admin.add("g" * 300 + ".md", guide.encode(), audience="parents")
    assert kept.is_file() and len(kept.name) <= MAX_NAME and kept.suffix == ".md"
    school.records.close()
