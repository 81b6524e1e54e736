"""Faults lose nothing: `waypoint ingest` and `waypoint import-evidence` killed with SIGKILL at
seeded random moments (while the model loads, while passages are embedded and written, at the
very end, in the middle of a database transaction), then run again to completion.

Everything is real: the `waypoint` command in subprocesses, the bundled model, Chroma and SQLite
files in temporary homes. Each test prints the faults it injected (`pytest -s` shows them).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from assistant.container import Assistant, build_assistant
from assistant.demo.load import load_demo
from assistant.errors import WaypointError
from assistant.ingest.indexer import write_groups
from assistant.ingest.plan import Plan
from assistant.ingest.writelock import WriteLock
from assistant.learners.access import LOCAL_ADMIN
from assistant.retrieval.embeddings import Embedder
from assistant.settings import BUNDLED_KNOWLEDGE
from tests.conftest import make_settings
from tests.servers import embedded_only

SEED = 20261123
RUN_TIMEOUT = 600  # a run blocked by a lock left behind would hit this
QUERIES = (
    "what does a 3 mean on my child's report?",
    "how can I help with ratios at home?",
    "how do I show evidence that I learned something?",
    "¿Qué es la educación basada en competencias?",
)


@dataclass(frozen=True)
class Fault:
    phase: str
    after_seconds: float | None
    state: str

    def __str__(self) -> str:
        when = f" after {self.after_seconds:.1f} s" if self.after_seconds is not None else ""
        return f"SIGKILL {self.phase}{when} ({self.state})"


def environment(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "WAYPOINT_HOME": str(home),
        "WAYPOINT_PROFILE": "test",
        "HF_HUB_OFFLINE": "1",
    }


def start(args: list[str], home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", *args],
        env=environment(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    process = start(args, home)
    out, err = process.communicate(timeout=RUN_TIMEOUT)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    return subprocess.CompletedProcess(args, process.returncode, out, err)


def kill_when(
    process: subprocess.Popen[str], ready: Callable[[], bool], *, deadline: float = 600
) -> float:
    """SIGKILL the process as soon as `ready()`; the seconds it ran. Fails if it ends first."""
    started = time.monotonic()
    while not ready():
        assert process.poll() is None, f"ended on its own before the fault: {process.stderr}"
        assert time.monotonic() - started < deadline, "the fault point was never reached"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    return time.monotonic() - started


def after(seconds: float) -> Callable[[], bool]:
    at = time.monotonic() + seconds
    return lambda: time.monotonic() >= at


def report(title: str, faults: list[Fault]) -> None:
    print(f"\n{title}: {len(faults)} faults injected")
    for fault in faults:
        print(f"  {fault}")


# The write lock -----------------------------------------------------------------------------


def test_a_killed_writer_does_not_leave_the_index_locked(tmp_path: Path) -> None:
    lock_path = tmp_path / "ingest.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from assistant.ingest.writelock import WriteLock\n"
            "with WriteLock(Path(sys.argv[1])):\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(120)\n",
            str(lock_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(WaypointError, match=f"process {holder.pid} is writing the index"):
            WriteLock(lock_path, wait=False).__enter__()
        started = time.monotonic()
        with pytest.raises(WaypointError):
            WriteLock(lock_path, timeout=0.3).__enter__()
        assert time.monotonic() - started >= 0.3
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert lock_path.exists()  # the file stays behind; the kernel dropped the lock with its holder
    with WriteLock(lock_path, wait=False) as lock:
        assert lock.holder() == os.getpid()


def test_a_second_ingest_says_once_that_it_waits_for_the_first(tmp_path: Path) -> None:
    home = tmp_path / "home"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    holder = subprocess.Popen(  # holds the lock until its stdin is closed
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from pathlib import Path\n"
            "from assistant.ingest.writelock import WriteLock\n"
            "with WriteLock(Path(sys.argv[1])):\n"
            "    print('locked', flush=True)\n"
            "    sys.stdin.read()\n",
            str(home / "ingest.lock"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    waiting = f"waypoint: another ingest is running (pid {holder.pid}); waiting…"
    errors = tmp_path / "stderr.txt"
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with errors.open("w") as stderr:
            second = subprocess.Popen(
                [sys.executable, "-m", "assistant.cli", "ingest", str(corpus)],
                env=environment(home),
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
            started = time.monotonic()  # a bound on a run that never says it, not a timing
            while waiting not in errors.read_text(encoding="utf-8"):
                assert second.poll() is None, "the second ingest did not wait for the lock"
                assert time.monotonic() - started < 180, errors.read_text(encoding="utf-8")
                time.sleep(0.05)
            assert holder.stdin is not None
            holder.stdin.close()  # the first one finishes: the second goes on
            out, _ = second.communicate(timeout=RUN_TIMEOUT)
    finally:
        if holder.poll() is None:
            holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert second.returncode == 0, errors.read_text(encoding="utf-8")
    assert errors.read_text(encoding="utf-8").count("another ingest is running") == 1
    assert "0 files" in out


# Ingest ---------------------------------------------------------------------------------------


def record_count(home: Path) -> int:
    """Chunks recorded so far by a running ingest (-1 before its record store exists)."""
    path = home / "index.sqlite3"
    if not path.exists():
        return -1
    try:
        with sqlite3.connect(path, timeout=10) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
    except sqlite3.Error:  # the schema is being created
        return -1


@dataclass(frozen=True)
class IndexState:
    """The index as stored: records and vectors by chunk id, with their texts and metadata."""

    records: dict[str, tuple[str, str, dict[str, Any]]]
    vectors: dict[str, tuple[str, dict[str, Any]]]

    @classmethod
    def of(cls, assistant: Assistant) -> IndexState:
        stored = assistant.vector_store.get(include=["documents", "metadatas"])
        ids = [str(i) for i in stored["ids"]]
        assert len(ids) == len(set(ids)), "a chunk id is in the vector store twice"
        assert assistant.vector_store._collection.count() == len(ids)
        records = assistant.records.all_chunks()
        assert len({c.id for c in records}) == len(records)
        vectors = zip(ids, stored["documents"], stored["metadatas"], strict=True)
        return cls(
            {c.id: (c.source, c.text, dict(c.metadata)) for c in records},
            {i: (str(doc), dict(meta)) for i, doc, meta in vectors},
        )

    def consistent(self) -> bool:
        """Every recorded chunk has its vector with the same text and metadata, and no other
        vector is stored."""
        return self.vectors == {i: (text, meta) for i, (_, text, meta) in self.records.items()}


def top_hits(assistant: Assistant) -> dict[str, list[str]]:
    return {
        f"{mode}: {query}": [hit.chunk.id for hit in assistant.retriever.search(query, mode=mode)]
        for query in QUERIES
        for mode in ("hybrid", "dense")
    }


def test_ingest_killed_at_random_moments_converges_to_an_uninterrupted_run(
    tmp_path: Path, embedder: Embedder
) -> None:
    rng = random.Random(SEED)
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_KNOWLEDGE / "guides" / "parents", corpus / "parents")
    reference = build_assistant(make_settings(tmp_path / "reference"), embedder=embedder)
    clean = reference.indexer.ingest([corpus])
    assert clean.problems == []
    total = clean.chunks_added
    per_file = [
        len(reference.records.chunk_ids(str(corpus.resolve()), p.relative_to(corpus).as_posix()))
        for p in sorted(corpus.rglob("*.md"))
    ]
    assert sum(per_file) == total and total > 100  # several seconds of embedding
    # the store is written a group of files at a time, each file recorded after its group
    groups = write_groups([cast(Plan, SimpleNamespace(new=[None] * n)) for n in per_file])
    ends = list(accumulate(sum(len(cast(Any, plan).new) for plan in g) for g in groups))
    assert ends[-1] == total and len(ends) >= 4

    home = tmp_path / "faulted"
    args = ["ingest", str(corpus), "--json"]
    faults: list[Fault] = []

    def inject(phase: str, ready: Callable[[], bool]) -> None:
        seconds = kill_when(start(args, home), ready)
        recorded = record_count(home)
        faults.append(Fault(phase, seconds, f"{max(recorded, 0)}/{total} chunks recorded"))

    def recorded(at_least: int) -> Callable[[], bool]:
        assert record_count(home) < at_least  # not reached yet: the run gets there first
        return lambda: record_count(home) >= at_least

    # 1. During start-up and the model load: nothing recorded yet.
    inject("during start-up and the model load", after(rng.uniform(0.5, 2.0)))
    assert record_count(home) <= 0
    # 2-3. While passages are embedded and written: as seeded groups end (the next one is
    # being embedded).
    for end in sorted(rng.sample(ends[:-2], 2)):
        inject("while embedding and writing", recorded(end))
    # 4. At the very end: every group recorded but the last.
    inject("at the end, in the last group", recorded(ends[-2]))
    assert record_count(home) < total
    assert (home / "ingest.lock").exists()  # left behind by the killed runs

    completed = json.loads(finish(args, home).stdout)
    assert completed["problems"] == []
    assert completed["chunks_added"] + completed["chunks_unchanged"] == total
    faulted = build_assistant(make_settings(home), embedder=embedder)
    again = faulted.indexer.ingest([corpus])
    assert (again.chunks_added, again.embedded, again.vectors_restored) == (0, 0, 0)
    assert again.orphans_removed == 0 and again.chunks_unchanged == total
    expected, got = IndexState.of(reference), IndexState.of(faulted)
    assert expected.consistent() and got.consistent()
    assert set(got.records) == set(expected.records)  # no chunk missing, none extra
    assert got == expected  # the same texts and metadata
    assert top_hits(faulted) == top_hits(reference)
    report(f"ingest of {total} chunks in {len(per_file)} files", faults)
    assert len(faults) == 4


def test_a_vector_written_just_before_a_crash_is_not_left_behind(
    tmp_path: Path, embedder: Embedder
) -> None:
    """The narrowest window: a file's vectors are in Chroma, its record is not, the process dies,
    and the file changes before the next run. The next run must remove those vectors."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("pace-and-time.en.md", "questions-to-ask-the-teacher.en.md"):
        shutil.copy(BUNDLED_KNOWLEDGE / "guides" / "parents" / name, corpus / name)
    home = tmp_path / "home"
    crash = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, sys\n"
            "from pathlib import Path\n"
            "from assistant.container import build_assistant\n"
            "die = lambda done, total: os.kill(os.getpid(), signal.SIGKILL)\n"
            "build_assistant().indexer.ingest([Path(sys.argv[1])], progress=die)\n",
            str(corpus),
        ],
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert crash.returncode == -signal.SIGKILL, crash.stderr
    assert record_count(home) == 0
    faults = [Fault("between a file's vectors and its record", None, "0 chunks recorded")]
    for path in corpus.iterdir():  # the chunks written before the crash will never be recorded
        path.write_text(path.read_text(encoding="utf-8") + "\n\nOne more paragraph.\n")

    completed = json.loads(finish(["ingest", str(corpus), "--json"], home).stdout)
    assert completed["orphans_removed"] > 0
    state = IndexState.of(build_assistant(make_settings(home), embedder=embedder))
    assert state.consistent()
    assert len(state.records) == completed["chunks_added"]
    report("ingest killed inside the write window", faults)


# Evidence import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceState:
    evidence: int
    checksum: str
    imports: list[tuple[Any, ...]]

    @classmethod
    def of(cls, home: Path) -> EvidenceState:
        """Opening the database rolls back a transaction that a killed writer left half done
        (SQLite's hot journal), as any reader would."""
        with sqlite3.connect(home / "waypoint.sqlite3", timeout=30) as conn:
            evidence = conn.execute(
                "SELECT learner_id, competency_id, score, max_score, level, observed_at, "
                "evidence_type, source, note, import_id FROM evidence ORDER BY id"
            ).fetchall()
            imports = conn.execute(
                "SELECT id, file_name, sha256, rows, added FROM evidence_imports ORDER BY id"
            ).fetchall()
        return cls(len(evidence), hashlib.sha256(repr(evidence).encode()).hexdigest(), imports)


def writer_active(database: Path) -> bool:
    """Whether another connection holds the database's write lock (a transaction is writing):
    asking for the lock without waiting fails then. Works in WAL and rollback-journal modes."""
    conn = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    else:
        conn.execute("ROLLBACK")
        return False
    finally:
        conn.close()


def write_big_evidence(path: Path, home: Path, rows: int) -> None:
    """Valid evidence for the demo school's learners, one distinct moment per row."""
    with sqlite3.connect(home / "waypoint.sqlite3") as conn:
        learners = [r[0] for r in conn.execute("SELECT id FROM learners ORDER BY id")]
        codes = [
            r[0] for r in conn.execute("SELECT DISTINCT competency_code FROM evidence ORDER BY 1")
        ]
    rng = random.Random(SEED)
    first = datetime(2025, 1, 6, 8, 0)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(
            ["learner_id", "competency", "score", "observed_at", "evidence_type", "source"]
        )
        for i in range(rows):
            out.writerow(
                [
                    learners[i % len(learners)],
                    codes[(i // len(learners)) % len(codes)],
                    rng.randint(1, 4),
                    (first + timedelta(minutes=i)).isoformat(timespec="minutes"),
                    "quiz",
                    "fault test",
                ]
            )


@embedded_only  # reads the SQLite file directly
def test_evidence_import_killed_mid_way_leaves_the_old_state_then_imports_once(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED + 1)
    home = tmp_path / "home"
    demo = build_assistant(make_settings(home))
    load_demo(demo.roster_importer, demo.evidence_importer, demo.overrides, LOCAL_ADMIN)
    demo.learner_db.dispose()
    demo.records.close()
    rows = 50_000
    big = tmp_path / "big.csv"
    write_big_evidence(big, home, rows)
    before = EvidenceState.of(home)
    database = home / "waypoint.sqlite3"
    args = ["import-evidence", str(big)]
    faults: list[Fault] = []
    writing: list[bool] = []

    def inject(phase: str, ready: Callable[[], bool]) -> None:
        writing.clear()
        seconds = kill_when(start(args, home), ready)
        state = "inside its write transaction" if writing[-1:] == [True] else "no write open"
        faults.append(Fault(phase, seconds, state))
        assert EvidenceState.of(home) == before, f"{faults[-1]} changed the database"

    def into_transaction(pause: float) -> Callable[[], bool]:
        """Ready once a write transaction has been open for 0.3 s + `pause` (longer than the
        small audit writes), checked at the moment of the kill."""
        began: list[float] = []

        def ready() -> bool:
            writing.append(writer_active(database))
            if not writing[-1]:
                began.clear()
                return False
            if not began:
                began.append(time.monotonic())
            return time.monotonic() - began[0] >= 0.3 + pause

        return ready

    def soon(seconds: float) -> Callable[[], bool]:
        wait = after(seconds)

        def ready() -> bool:
            if not wait():
                return False
            writing.append(writer_active(database))
            return True

        return ready

    inject("while starting, reading and checking the file", soon(rng.uniform(0.5, 3.0)))
    for _ in range(3):
        pause = rng.uniform(0.0, 1.5)
        inject(f"{0.3 + pause:.2f} s into the import's write transaction", into_transaction(pause))
    assert [f.state for f in faults[1:]] == ["inside its write transaction"] * 3

    done = finish(args, home)
    assert f"{rows} rows, {rows} added, 0 already recorded" in done.stdout
    after_import = EvidenceState.of(home)
    assert after_import.evidence == before.evidence + rows
    new_imports = after_import.imports[len(before.imports) :]
    assert [(r[1], r[3], r[4]) for r in new_imports] == [("big.csv", rows, rows)]
    rerun = finish(args, home)
    assert f"{rows} rows, 0 added, {rows} already recorded" in rerun.stdout
    assert EvidenceState.of(home) == after_import
    report(f"evidence import of {rows} rows", faults)
