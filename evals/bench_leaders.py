"""District-scale benchmark of the leaders' pages: figures precomputed after each import.

Run: python -m evals.bench_leaders  (writes evals/reports/leaders.md and leaders.json)

The synthetic district of evals/bench_district.py (10,000 learners in 360 classes, a term of
evidence, generated with the same seed and loaded the same way) gets learner attributes for the
equity figures: English learner, IEP, Section 504 and a house (four large houses and one of 7
learners, which small-cell suppression hides), written in bulk. Then, as a leader:

- the school's figures are computed and stored, as after an import (`LeaderService.recompute`:
  every learner replayed once, the school's, the 360 classes', the groups' figures and what
  worked, with every learner's replayed record);
- the school page (ui/screens/leader.py through Streamlit's AppTest, the whole page with its
  equity and what-worked sections) is rendered from the stored figures, then the review pack is
  built (its button clicked);
- a 1,000-row evidence file (exit tickets for 1,000 learners across the grades, the day after
  the term) is imported through the real evidence importer with `leader_precompute=inline`, so
  the import is followed by the (incremental) recomputation, with the records read back from
  the database as a new process would; both are timed;
- the same figures are then recomputed from scratch (every learner replayed) and compared with
  the incremental ones, and the page is rendered with nothing stored (computed on demand).

The issue's targets: pages in under 5 s from precomputed figures, recomputation after a 1,000-row
import under 60 s. Nothing is asserted; the figures are reported.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from streamlit.testing.v1 import AppTest

from assistant.app.bootstrap import Preparation, Status
from assistant.container import Assistant
from assistant.learners.access import LOCAL_ADMIN
from assistant.learners.audit import utc_now
from assistant.learners.db import LearnerAttribute, User
from evals.bench_district import (
    EVIDENCE_HEADER,
    TERM_END,
    District,
    SyntheticFramework,
    csv_text,
    load_district,
)
from evals.harness import Timing, machine, table, write_report

REPORT = Path(__file__).parent / "reports" / "leaders.md"
SEED = 20261206
SCREEN = Path(__file__).resolve().parents[1] / "ui" / "screens" / "leader.py"
PAGE_RUNS = 3
IMPORT_ROWS = 1000
HOUSES = ("Aster", "Birch", "Cedar", "Dune")
SMALL_HOUSE = ("Ember", 7)  # under the smallest group shown (10): hidden, with the next one
LEADER = ("lead.district", "District Leader")


def add_attributes(assistant: Assistant, district: District, rng: random.Random) -> dict[str, int]:
    """English learner (12%), IEP (13%), Section 504 (2%) and a house for every learner, in
    bulk (the roster importer writes the same rows); returns the rows per attribute."""
    now = utc_now()
    rows: list[dict[str, Any]] = []
    learners = [lr[0] for lr in district.learners]
    small = set(rng.sample(learners, SMALL_HOUSE[1]))
    for learner_id in learners:
        values = {
            "english_learner": "yes" if rng.random() < 0.12 else "no",
            "iep": "yes" if rng.random() < 0.13 else "no",
            "section_504": "yes" if rng.random() < 0.02 else "no",
            "group_house": SMALL_HOUSE[0] if learner_id in small else rng.choice(HOUSES),
        }
        rows += [
            {"learner_id": learner_id, "name": k, "value": v, "source": "bench", "recorded_at": now}
            for k, v in values.items()
        ]
    with assistant.learner_db.session() as session:
        session.execute(insert(LearnerAttribute), rows)
        session.add(User(id=LEADER[0], name=LEADER[1], role="leader"))
    return {name: len(learners) for name in ("english_learner", "iep", "section_504", "house")}


def render_page(assistant: Assistant) -> float:
    """One leader page render through AppTest (seconds)."""
    from ui import state

    at = AppTest.from_file(str(SCREEN), default_timeout=600)
    at.session_state[state.ACCOUNT] = assistant.directory.account(LEADER[0])
    at.session_state[state.LANGUAGE] = "en"
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"the leader page failed: {at.exception}")
    return seconds


def build_pack(assistant: Assistant) -> float:
    """The page rendered, then the review pack's button clicked: the seconds of that run."""
    from ui import state

    at = AppTest.from_file(str(SCREEN), default_timeout=600)
    at.session_state[state.ACCOUNT] = assistant.directory.account(LEADER[0])
    at.session_state[state.LANGUAGE] = "en"
    at.run()
    started = time.perf_counter()
    at.button(key="pack_build").click().run()
    seconds = time.perf_counter() - started
    if at.exception or len(at.get("download_button")) != 2:
        raise RuntimeError(f"the review pack failed: {at.exception}")
    return seconds


def timings(action: Callable[[], float], runs: int) -> Timing:
    return Timing(tuple(action() for _ in range(runs)))


def service_calls(assistant: Assistant) -> float:
    """What the page asks the leader service for: the period, the school's and the equity
    figures (from the stored snapshot), as a fresh session would."""
    leaders = assistant.leaders
    leaders.cache._recent = None
    viewer = assistant.access.viewer(LEADER[0])
    started = time.perf_counter()
    period = leaders.default_period()
    leaders.school(viewer, period)
    leaders.equity(viewer, period)
    leaders.teams(viewer, period)
    return time.perf_counter() - started


def new_evidence(district: District, framework: SyntheticFramework, rng: random.Random) -> str:
    """Exit tickets for IMPORT_ROWS learners spread over the grades, the day after the term."""
    chosen = rng.sample(district.learners, IMPORT_ROWS)
    day = TERM_END.isoformat()
    rows = []
    for learner_id, _, grade, class_id, _ in chosen:
        code = rng.choice(framework.pacing(grade)[:12])
        rows.append(
            [learner_id, code, rng.randint(4, 10), f"{day}T10:00", 10, "exit ticket", class_id, ""]
        )
    return csv_text(EVIDENCE_HEADER, rows)


def inject(assistant: Assistant) -> None:
    from ui import resources

    done = threading.Thread(target=lambda: None)
    done.start()
    done.join()
    ready = Preparation(_status=Status("knowledge", school_ready=True), _thread=done)
    resources._injected = (assistant, ready)


def measure_all() -> dict[str, Any]:
    started = time.perf_counter()
    load_before = os.getloadavg()[1]
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="waypoint-leaders-") as folder:
        home = Path(folder)
        school, framework, district = load_district(home)
        assistant = school.assistant
        attributes = add_attributes(assistant, district, rng)
        inject(assistant)
        leaders = assistant.leaders
        snapshot = leaders.recompute()
        print(f"figures computed and stored in {snapshot.seconds:.1f} s", flush=True)
        service = timings(lambda: service_calls(assistant), PAGE_RUNS)
        stored = timings(lambda: render_page(assistant), PAGE_RUNS)
        print(f"page from stored figures: {stored.row()} s", flush=True)
        pack = build_pack(assistant)
        print(f"review pack built in {pack:.1f} s", flush=True)
        path = home / "new-evidence.csv"
        path.write_text(new_evidence(district, framework, rng))
        assistant.settings = assistant.settings.updated(leader_precompute="inline")
        leaders.cache.mode = "inline"
        leaders.cache._records_kept = None  # read the stored records, as a new process would
        before = time.perf_counter()
        report = assistant.evidence_importer.import_file(path, LOCAL_ADMIN, allow_future=True)
        import_and_recompute = time.perf_counter() - before
        after = leaders.cache.stored()
        assert after is not None
        recompute_s = after.seconds
        replayed = leaders.cache.last_replayed
        print(f"import + recompute: {import_and_recompute:.1f} s ({replayed} replayed)", flush=True)
        after_page = timings(lambda: render_page(assistant), PAGE_RUNS)
        sizes = _snapshot_size(assistant)
        leaders.cache.forget()  # the records too: every learner replayed
        full = leaders.recompute()
        same = full.figures == after.figures
        print(f"full recompute: {full.seconds:.1f} s, same figures: {same}", flush=True)
        leaders.cache.forget()
        leaders.cache.mode = "off"
        on_demand = render_page(assistant)
        print(f"page computed on demand: {on_demand:.1f} s", flush=True)
        groups = [
            (a.attribute, g.value or "(not recorded)", g.learners, g.hidden)
            for a in after.figures.equity.attributes
            for g in a.groups
        ]
        flagged = [
            (a.attribute, g.value, f.figure)
            for a in after.figures.equity.attributes
            for g in a.groups
            for f in g.figures
            if f.gap is not None and f.gap.flagged
        ]
        return {
            "machine": machine(),
            "load_average_5min": [load_before, os.getloadavg()[1]],
            "total_s": time.perf_counter() - started,
            "learners": school.learners,
            "classes": len(district.classes),
            "evidence": school.evidence,
            "attributes": attributes,
            "first_recompute_s": snapshot.seconds,
            "page_stored_s": list(stored.runs),
            "service_calls_s": list(service.runs),
            "pack_build_s": pack,
            "page_on_demand_s": on_demand,
            "import_rows": report.added,
            "import_and_recompute_s": import_and_recompute,
            "recompute_after_import_s": recompute_s,
            "replayed_after_import": replayed,
            "full_recompute_after_import_s": full.seconds,
            "incremental_equals_full": same,
            "import_only_s": import_and_recompute - recompute_s,
            "page_after_import_s": list(after_page.runs),
            "snapshot_chars": sizes["default period"],
            "records_chars": sizes["learner records"],
            "groups": groups,
            "flagged": flagged,
        }


def _snapshot_size(assistant: Assistant) -> dict[str, int]:
    from assistant.learners.db import LeaderSnapshot

    with assistant.learner_db.session() as session:
        return {
            key: len(row.data) if row is not None else 0
            for key in ("default period", "learner records")
            for row in [session.get(LeaderSnapshot, key)]
        }


def render(f: dict[str, Any]) -> str:
    stored = Timing(tuple(f["page_stored_s"]))
    after = Timing(tuple(f["page_after_import_s"]))
    lines = [
        "# Leaders' pages at district scale",
        "",
        f"Machine: {f['machine']}. One run ({f['total_s']:.0f} s in all) in a temporary "
        "WAYPOINT_HOME; page timings are min / median / max of "
        f"{PAGE_RUNS} renders. Nothing here is asserted. The machine's 5-minute load average was "
        f"{f['load_average_5min'][0]:.1f} at the start and {f['load_average_5min'][1]:.1f} at "
        "the end (other work shared its cores): read the figures as upper bounds.",
        "",
        "## What was measured",
        "",
        f"- The district of `evals/bench_district.py` (same seed): {f['learners']:,} learners in "
        f"{f['classes']} classes, {f['evidence']:,} pieces of evidence, loaded the same way. "
        "Learner attributes written in bulk for every learner: English learner (12% yes), IEP "
        "(13%), Section 504 (2%) and a house (four large ones and one of 7 learners).",
        "- **Recompute**: `LeaderService.recompute()`, what every import triggers, over the "
        "default period (the 30 days up to the latest evidence): the school's, each class's, "
        "each attribute group's figures (with their intervals) and what worked, stored as one "
        "row of `leader_snapshots`, with every learner's replayed record in a second row. The "
        "first one replays every learner; after an import only the learners the import "
        "touched are replayed, and every figure is aggregated again from the stored records.",
        "- **Page**: `ui/screens/leader.py` rendered by Streamlit's AppTest as the leader, the "
        "whole page (the summary, the class table, days to proficiency per competency, the "
        "equity section, what worked, the review pack's button), the access checks and audit "
        "rows included; no browser. Tables longer than 50 rows show their first 50 with a "
        "'show all' toggle; the review pack (PDF and CSV) is built when its button is clicked "
        "(timed separately), then kept for the session while the data is unchanged.",
        f"- **1,000-row import**: a file of {f['import_rows']:,} exit tickets for 1,000 learners "
        "across the grades, imported by the real evidence importer with "
        "`WAYPOINT_LEADER_PRECOMPUTE=inline`, so the import returns after the recomputation "
        "(the stored records read back from the database, as in a new process). Then the "
        "same figures were recomputed from scratch (every learner replayed) and compared: "
        + ("identical." if f["incremental_equals_full"] else "**they differ**."),
        "",
        "## Figures",
        "",
        table(
            ["what", "seconds", "target"],
            [
                [
                    "recompute, first (after loading the district)",
                    f"{f['first_recompute_s']:.1f}",
                    "",
                ],
                [
                    "service calls of the page (period, school, equity, what worked), stored",
                    Timing(tuple(f["service_calls_s"])).row(),
                    "",
                ],
                ["page from the stored figures (whole page)", stored.row(), "< 5"],
                ["review pack built (button clicked: PDF and CSV)", f"{f['pack_build_s']:.1f}", ""],
                [
                    "1,000-row import, then recompute (inline)",
                    f"{f['import_and_recompute_s']:.1f}",
                    "",
                ],
                [
                    f"  of which the recomputation ({f['replayed_after_import']:,} learners "
                    "replayed)",
                    f"{f['recompute_after_import_s']:.1f}",
                    "< 60",
                ],
                ["  of which the import", f"{f['import_only_s']:.1f}", ""],
                ["page after the import (stored figures)", after.row(), "< 5"],
                [
                    "the same recomputation from scratch (every learner replayed)",
                    f"{f['full_recompute_after_import_s']:.1f}",
                    "",
                ],
                [
                    "page with nothing stored (computed on demand)",
                    f"{f['page_on_demand_s']:.1f}",
                    "",
                ],
            ],
        ),
        "",
        f"The stored figures are {f['snapshot_chars']:,} characters of JSON (aggregates only: "
        "no group under 10 learners, no learner's name); the stored records "
        f"{f['records_chars']:,} characters. The incremental recomputation took "
        f"{f['recompute_after_import_s'] / f['full_recompute_after_import_s']:.2f} of the time "
        "of the one from scratch; the page from the stored figures "
        f"{stored.median / f['page_on_demand_s']:.3f} of the time of one computed on demand.",
        "",
        "## Equity groups in the district",
        "",
        table(
            ["attribute", "group", "learners", "hidden"],
            [[a, g, "–" if n is None else f"{n:,}", h] for a, g, n, h in f["groups"]],
        ),
        "",
        "Flagged gaps (the whole 90% interval on the worse side): "
        + (
            ", ".join(f"{a} {g}: {fig}" for a, g, fig in f["flagged"])
            or "none (the attributes were drawn at random, independent of the evidence)"
        )
        + ".",
        "",
        "## Notes",
        "",
        "- The default `leader_precompute` is `background`: an import returns at once and the "
        "figures follow; a page opened meanwhile shows the stored figures with the time they "
        "were computed. `inline` is used here so that the import and the recomputation can be "
        "timed together.",
        "- 'Of which the recomputation' is the time `recompute()` records: replaying the "
        "touched learners and aggregating every figure again. Writing the stored records (a "
        "JSON row of every learner's replayed evidence facts) comes after it and is counted "
        "in 'of which the import', with the import itself.",
        "- A period other than the default is computed on demand (the 'nothing stored' row) "
        "and kept in memory for the session's next render.",
        "- Of a page render from the stored figures, the leader service's calls take the time "
        "in the 'service calls' row; the rest is Streamlit building the page, slowed by the "
        "machine's load.",
        "- The attributes here are drawn at random, so any flag is a false alarm: each shown "
        "group is compared on six figures, and each comparison flags by chance about 5% of the "
        "time (one side of a 90% interval), so one or two flags among the district's groups "
        "are expected. The page says a flag is not a cause; a gap that persists over several "
        "periods is the one to look into.",
    ]
    return "\n".join(lines) + "\n"


def headline(figures: dict[str, Any]) -> dict[str, float]:
    """The summary's figures: the School page from stored figures (median seconds) and the
    recompute after a 1,000-row evidence import (seconds), at district scale."""
    return {
        "page from stored figures, median s": statistics.median(figures["page_stored_s"]),
        "recompute after a 1,000-row import, s": figures["recompute_after_import_s"],
    }


def main() -> None:
    figures = measure_all()
    figures["headline"] = headline(figures)
    write_report(REPORT, render(figures), figures)


if __name__ == "__main__":
    main()
