"""A tiny benchmark harness: warm-up, repeats, min/median/max, and Markdown tables."""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Timing:
    runs: tuple[float, ...]

    @property
    def minimum(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def maximum(self) -> float:
        return max(self.runs)

    def row(self) -> str:
        return f"{self.minimum:.3f} / {self.median:.3f} / {self.maximum:.3f}"


def measure(action: Callable[[], object], *, repeats: int = 5, warmup: int = 1) -> Timing:
    for _ in range(warmup):
        action()
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return Timing(tuple(runs))


def machine() -> str:
    import os

    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(path: Path, markdown: str, data: dict[str, Any]) -> None:
    """A benchmark's Markdown report at `path` and its JSON beside it; prints the Markdown."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown)
    path.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n")
    print(markdown)
