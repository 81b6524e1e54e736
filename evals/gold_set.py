"""The gold retrieval questions (evals/gold/retrieval.jsonl) as typed values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

GOLD_DIR = Path(__file__).parent / "gold"
RETRIEVAL_GOLD = GOLD_DIR / "retrieval.jsonl"


@dataclass(frozen=True)
class GoldQuestion:
    """A question someone would type, with the files and competency codes that answer it."""

    id: str
    audience: str
    language: str
    kind: str
    question: str
    relevant_sources: tuple[str, ...]
    relevant_codes: tuple[str, ...]


def load_gold(path: Path = RETRIEVAL_GOLD) -> list[GoldQuestion]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                GoldQuestion(
                    id=str(row["id"]),
                    audience=str(row["audience"]),
                    language=str(row["language"]),
                    kind=str(row["kind"]),
                    question=str(row["question"]),
                    relevant_sources=tuple(map(str, row["relevant_sources"])),
                    relevant_codes=tuple(map(str, row["relevant_codes"])),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path.name} line {number}: not a gold question ({exc})") from exc
    return questions
