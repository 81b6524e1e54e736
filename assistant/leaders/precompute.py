"""The leaders' figures precomputed after each import, so that school pages read, not replay.

`LeaderFigureCache.figures(grant, period)` returns the school's responsiveness and equity
figures for a period. For the default period (the 30 days up to the latest evidence) they come
from the stored snapshot (table `leader_snapshots`) while its stamp matches the data: the
evidence generation, the roster (learners, classes, enrolments, attributes), the catalog's
prerequisites, the mastery model, the smallest group shown and the recorded interventions
(the school's "what worked" results are part of the figures, so a page render only reads).
`recompute()` stores the snapshot; the importers call it after each import (in the background
by default: `leader_precompute`). It is incremental: every learner's replayed record is stored
beside the figures (row "learner records", with the data stamp it was replayed at), and a
recomputation replays only the learners whose evidence or teacher's decisions were added since
(or who have data between the old and the new end date, or evidence on a competency whose
fitted mastery parameters changed), then aggregates every figure again from the stored records.
Anything else (evidence deleted, another catalog or model) replays everyone. When something
else changed the data since (a teacher's decision, one piece of evidence), the stored figures
are still shown, marked with the time they were computed, and a recomputation starts in the
background. Other periods are
computed on demand and kept in memory for the next call. The snapshot holds aggregates only,
small groups already suppressed; the stored records are each learner's replayed evidence
facts (derived from their evidence, in the same database); forgetting a learner deletes both.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as day_time
from typing import Any

from sqlalchemy import delete, func, or_, select

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.leaders.equity import EquityFigures, equity_figures
from assistant.leaders.period import Period
from assistant.leaders.replay import EvidenceFact, LearnerRecord, Reached, Replayer, StuckRun
from assistant.leaders.school import SchoolFigures, replay, school_figures_from
from assistant.leaders.snapshot import dump, load
from assistant.leaders.teams import TeamResults, school_results
from assistant.learners.access import AccessGrant
from assistant.learners.attributes import school_attributes
from assistant.learners.audit import utc_now
from assistant.learners.db import (
    Enrolment,
    Evidence,
    LeaderSnapshot,
    Learner,
    LearnerAttribute,
    LearnerDatabase,
    MasteryOverride,
    SchoolClass,
)
from assistant.learners.db_teams import Intervention, InterventionLearner
from assistant.learners.mastery import BayesianKnowledgeTracing, MasteryModel

log = logging.getLogger(__name__)
SNAPSHOT_KEY = "default period"
RECORDS_KEY = "learner records"
Records = dict[str, LearnerRecord]


@dataclass(frozen=True)
class LeaderFigures:
    school: SchoolFigures
    equity: EquityFigures
    teams: TeamResults  # what worked: every recorded intervention in the school


@dataclass(frozen=True)
class Snapshot:
    figures: LeaderFigures
    stamp: str
    seconds: float  # how long computing it took
    computed_at: datetime  # UTC
    replayed: int | None = None  # learners replayed (None: read back, not computed here)


@dataclass(frozen=True)
class Freshness:
    """Where the figures a page shows came from."""

    precomputed: bool  # read from the stored snapshot
    stale: bool  # the data changed since (a recomputation is under way)
    computed_at: datetime | None  # UTC, for a snapshot


def compute(
    db: LearnerDatabase, period: Period, grant: AccessGrant, replayer: Replayer, minimum: int
) -> LeaderFigures:
    """Every learner replayed once; the school's, the classes', the groups' figures and what
    worked."""
    records = replay(db, grant, period.end, replayer)
    return aggregate(db, period, grant, records, replayer.catalog, minimum)


def aggregate(
    db: LearnerDatabase,
    period: Period,
    grant: AccessGrant,
    records: Mapping[str, LearnerRecord],
    catalog: FrameworkCatalog,
    minimum: int,
) -> LeaderFigures:
    """Every figure from learners already replayed up to the period's end."""
    kept = dict(records)
    everyone = [kept.get(i) or LearnerRecord(i) for i in sorted(grant.learner_ids)]
    school = school_figures_from(db, period, grant, kept, catalog)
    equity = equity_figures(everyone, school_attributes(db, grant), period, minimum)
    teams = school_results(db, catalog, grant, kept, period)
    return LeaderFigures(school, equity, teams)


def data_stamp(db: LearnerDatabase) -> str:
    """Changes whenever anything the figures read changes (a few aggregate queries)."""
    return ":".join(data_parts(db))


def data_parts(db: LearnerDatabase) -> list[str]:
    """The evidence's (newest id, rows), the decisions' (newest id, rows), then the roster's,
    the attributes' and the interventions' counts."""
    with db.session() as session:
        parts = [
            session.scalar(select(func.max(Evidence.id))),
            session.scalar(select(func.count(Evidence.id))),
            session.scalar(select(func.max(MasteryOverride.id))),
            session.scalar(select(func.count(MasteryOverride.id))),
            session.scalar(select(func.count(Learner.id))),
            session.scalar(select(func.count(SchoolClass.id))),
            session.scalar(select(func.count()).select_from(Enrolment)),
            session.scalar(select(func.count()).select_from(LearnerAttribute)),
            session.scalar(select(func.max(LearnerAttribute.recorded_at))),
            session.scalar(select(func.max(Intervention.id))),
            session.scalar(select(func.count(Intervention.id))),
            session.scalar(select(func.count()).select_from(InterventionLearner)),
        ]
    return ["" if p is None else str(p).replace(":", "-").replace("|", "-") for p in parts]


def catalog_stamp(catalog: FrameworkCatalog) -> str:
    """The competencies and their prerequisites (what the replay reads of the catalog)."""
    digest = hashlib.sha256()
    for entry in sorted(catalog.assessable(), key=lambda e: e.identifier):
        digest.update(entry.identifier.encode())
        digest.update(",".join(catalog.prerequisites(entry.identifier)).encode())
        digest.update(b"\n")
    return digest.hexdigest()[:16]


class LeaderFigureCache:
    def __init__(
        self,
        db: LearnerDatabase,
        catalog: FrameworkCatalog,
        replayer: Callable[[], Replayer],
        model_key: Callable[[], str],
        minimum: int,
        default_period: Callable[[], Period],
        system_grant: Callable[[], AccessGrant],
        mode: str = "off",
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.replayer = replayer
        self.model_key = model_key
        self.minimum = minimum
        self.default_period = default_period
        self.system_grant = system_grant
        self.mode = mode
        self.last = Freshness(False, False, None)
        self._catalog_stamp: str | None = None
        self._recent: tuple[str, Period, LeaderFigures, Freshness] | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False
        self._parsed: Snapshot | None = None
        self._records_kept: tuple[str, dict[str, str], Records] | None = None
        self.last_replayed: int | None = None  # learners the last recomputation replayed

    def stamp(self, period: Period) -> str:
        if self._catalog_stamp is None:
            self._catalog_stamp = catalog_stamp(self.catalog)
        return "|".join(
            (
                data_stamp(self.db),
                self._catalog_stamp,
                self.model_key(),
                str(self.minimum),
                period.start.isoformat(),
                period.end.isoformat(),
            )
        )

    def figures(self, grant: AccessGrant, period: Period) -> LeaderFigures:
        """The figures for `period` over the grant's learners (a school grant: everyone)."""
        stamp = self.stamp(period)
        recent = self._recent
        if recent is not None and recent[0] == stamp and recent[1] == period:
            self.last = recent[3]
            return recent[2]
        stored = self.stored()
        if stored is not None and stored.figures.school.period == period:
            if stored.stamp == stamp:
                self.last = Freshness(True, False, stored.computed_at)
                self._recent = (stamp, period, stored.figures, self.last)
                return stored.figures
            if self.mode == "background":  # shown as they were; fresh ones are on the way
                self.schedule()
                self.last = Freshness(True, True, stored.computed_at)
                return stored.figures
        found = compute(self.db, period, grant, self.replayer(), self.minimum)
        self.last = Freshness(False, False, None)
        self._recent = (stamp, period, found, self.last)
        return found

    def stored_period(self) -> Period | None:
        """The period of the stored snapshot (the page's default while one is stored)."""
        stored = self.stored()
        return stored.figures.school.period if stored is not None else None

    def recompute(self) -> Snapshot:
        """Compute the default period's figures for the whole school and store them."""
        started = time.perf_counter()
        period = self.default_period()
        stamp = self.stamp(period)
        grant = self.system_grant()
        replayer = self.replayer()
        parts = data_parts(self.db)
        params = model_params(replayer.model)
        records, replayed = self._records(grant, period.end, replayer, parts, params)
        found = aggregate(self.db, period, grant, records, self.catalog, self.minimum)
        seconds = time.perf_counter() - started
        now = utc_now()
        kept_stamp = self._records_stamp(parts, period.end)
        kept_data = json.dumps(
            {"params": params, "records": encode_records(records)}, separators=(",", ":")
        )
        with self.db.session() as session:
            session.merge(
                LeaderSnapshot(
                    key=SNAPSHOT_KEY,
                    stamp=stamp,
                    computed_at=now,
                    seconds=seconds,
                    data=dump(found),
                )
            )
            session.merge(
                LeaderSnapshot(
                    key=RECORDS_KEY, stamp=kept_stamp, computed_at=now, seconds=0.0, data=kept_data
                )
            )
        self._records_kept = (kept_stamp, params, records)
        self.last_replayed = replayed
        self._recent = (stamp, period, found, Freshness(True, False, now))
        return Snapshot(found, stamp, seconds, now, replayed)

    def _records_stamp(self, parts: list[str], until: date) -> str:
        if self._catalog_stamp is None:
            self._catalog_stamp = catalog_stamp(self.catalog)
        return "|".join((":".join(parts), self._catalog_stamp, self.model_key(), until.isoformat()))

    def _records(
        self,
        grant: AccessGrant,
        until: date,
        replayer: Replayer,
        parts: list[str],
        params: dict[str, str],
    ) -> tuple[Records, int]:
        """Every learner's record up to `until`: the stored ones, with the learners the data
        changed for replayed again (everyone when the stored ones cannot be brought up to
        date); and how many learners were replayed."""
        kept = self._kept_records()
        touched = None if kept is None else self._touched(kept[0], kept[1], parts, params, until)
        if kept is None or touched is None:
            return replay(self.db, grant, until, replayer), len(grant.learner_ids)
        records = {k: v for k, v in kept[2].items() if k in grant.learner_ids}
        again = grant.only(touched)
        for learner_id in again.learner_ids:
            records.pop(learner_id, None)
        if again.learner_ids:
            records.update(replay(self.db, again, until, replayer))
        return dict(sorted(records.items())), len(again.learner_ids)

    def _kept_records(self) -> tuple[str, dict[str, str], Records] | None:
        """The records stored by the last recomputation (kept in memory once read)."""
        with self.db.session() as session:
            stamp = session.scalar(
                select(LeaderSnapshot.stamp).where(LeaderSnapshot.key == RECORDS_KEY)
            )
            if stamp is None:
                return None
            kept = self._records_kept
            if kept is not None and kept[0] == stamp:
                return kept
            data = session.scalar(
                select(LeaderSnapshot.data).where(LeaderSnapshot.key == RECORDS_KEY)
            )
        try:
            parsed = json.loads(data or "")
            found = (stamp, dict(parsed["params"]), decode_records(parsed["records"]))
        except (KeyError, TypeError, ValueError):  # written by another version: replay all
            return None
        self._records_kept = found
        return found

    def _touched(
        self,
        stamp: str,
        old_params: dict[str, str],
        parts: list[str],
        params: dict[str, str],
        until: date,
    ) -> set[str] | None:
        """The learners whose records may differ from the stored ones (stamped `stamp`), or
        None when they cannot be known (evidence or decisions deleted, another catalog or
        model, an earlier end date)."""
        fields = stamp.split("|")
        if len(fields) < 4 or fields[1] != self._catalog_stamp:
            return None
        if "|".join(fields[2:-1]) != self.model_key():
            return None
        old = fields[0].split(":")
        try:
            old_until = date.fromisoformat(fields[-1])
            ev_max, ev_rows, ov_max, ov_rows = (int(v or 0) for v in old[:4])
            ev_now, ov_now = int(parts[1] or 0), int(parts[3] or 0)
        except ValueError:
            return None
        if len(old) != len(parts) or until < old_until:
            return None
        was_end = datetime.combine(old_until, day_time.max)
        end = datetime.combine(until, day_time.max)
        changed = sorted(
            {*old_params, *params} - {k for k, v in params.items() if old_params.get(k) == v}
        )
        with self.db.session() as session:
            added = session.scalar(select(func.count(Evidence.id)).where(Evidence.id > ev_max))
            decided = session.scalar(
                select(func.count(MasteryOverride.id)).where(MasteryOverride.id > ov_max)
            )
            if ev_now - ev_rows != added or ov_now - ov_rows != decided:
                return None  # rows were deleted
            touched = set(
                session.scalars(
                    select(Evidence.learner_id)
                    .where(
                        or_(
                            Evidence.id > ev_max,
                            Evidence.observed_at.between(was_end, end),
                            Evidence.competency_id.in_(changed),
                        )
                    )
                    .distinct()
                )
            )
            touched |= set(
                session.scalars(
                    select(MasteryOverride.learner_id)
                    .where(
                        or_(
                            MasteryOverride.id > ov_max,
                            MasteryOverride.decided_at.between(was_end, end),
                            MasteryOverride.competency_id.in_(changed),
                        )
                    )
                    .distinct()
                )
            )
        return touched

    def stored(self) -> Snapshot | None:
        """The stored snapshot (parsed once per version of the row, then kept in memory)."""
        with self.db.session() as session:
            head = session.execute(
                select(
                    LeaderSnapshot.stamp, LeaderSnapshot.computed_at, LeaderSnapshot.seconds
                ).where(LeaderSnapshot.key == SNAPSHOT_KEY)
            ).first()
            if head is None:
                return None
            stamp, at, seconds = head
            kept = self._parsed
            if kept is not None and (kept.stamp, kept.computed_at) == (stamp, at):
                return kept
            data = session.scalar(
                select(LeaderSnapshot.data).where(LeaderSnapshot.key == SNAPSHOT_KEY)
            )
        try:
            found = Snapshot(load(LeaderFigures, data or ""), stamp, seconds, at)
        except (KeyError, TypeError, ValueError):  # written by another version: recompute
            return None
        self._parsed = found
        return found

    def schedule(self) -> None:
        """Recompute in a background thread (one at a time; an import during a run asks for
        one more run after it)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._again = True
                return
            # Not a daemon: a command that imported waits for the figures before it exits.
            self._thread = threading.Thread(target=self._run, name="leader-figures")
            self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def forget(self) -> None:
        """Drop what was computed (a learner was forgotten: they were counted)."""
        self._recent = None
        self._parsed = None
        self._records_kept = None
        with self.db.session() as session:
            session.execute(delete(LeaderSnapshot))

    def _run(self) -> None:
        while True:
            try:
                self.recompute()
            except Exception:  # a background run must not kill the app
                log.exception("recomputing the leaders' figures failed")
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False


def model_params(model: MasteryModel) -> dict[str, str]:
    """The fitted parameters per competency (BKT), as text: a competency whose parameters
    changed is replayed again for every learner with evidence on it."""
    if isinstance(model, BayesianKnowledgeTracing):
        return {key: repr(value) for key, value in sorted(model.params.items())}
    return {}


def encode_records(records: Mapping[str, LearnerRecord]) -> list[Any]:
    """Records as compact JSON lists (days as ordinals, flags as 0/1)."""
    return [
        [
            r.learner_id,
            [
                [f.day.toordinal(), f.competency_id, int(f.not_ready), int(f.mastered)]
                for f in r.evidence
            ],
            [[x.competency_id, x.started.toordinal(), x.reached.toordinal()] for x in r.reached],
            [[x.competency_id, x.since.toordinal()] for x in r.stuck],
        ]
        for r in records.values()
    ]


def decode_records(data: list[Any]) -> Records:
    day = date.fromordinal
    return {
        learner_id: LearnerRecord(
            learner_id,
            tuple(EvidenceFact(day(d), c, bool(n), bool(m)) for d, c, n, m in facts),
            tuple(Reached(c, day(a), day(b)) for c, a, b in reached),
            tuple(StuckRun(c, day(d)) for c, d in stuck),
        )
        for learner_id, facts, reached, stuck in data
    }
