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

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.leaders.figures import LeaderFigures, aggregate, compute
from assistant.leaders.period import Period
from assistant.leaders.record_codec import Records, decode_records, encode_records
from assistant.leaders.replay import Replayer
from assistant.leaders.school import replay
from assistant.leaders.snapshot import dump, load
from assistant.leaders.stamps import (
    catalog_stamp,
    changed_learners,
    data_parts,
    data_stamp,
    model_params,
)
from assistant.learners.access import AccessGrant
from assistant.learners.audit import utc_now
from assistant.learners.db import (
    LeaderSnapshot,
    LearnerDatabase,
)

log = logging.getLogger(__name__)
SNAPSHOT_KEY = "default period"
RECORDS_KEY = "learner records"


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
        touched = (
            None
            if kept is None
            else changed_learners(
                self.db,
                kept[0],
                kept[1],
                parts,
                params,
                until,
                catalog=self._catalog_stamp,
                model=self.model_key(),
            )
        )
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
