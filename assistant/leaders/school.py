"""Every figure for the school and each of its classes over a period, in one call.

`school_figures` is the unit the district-scale plan precomputes after each import and caches
(by the evidence generation and the period); here it is computed on demand. The school counts
every learner and all their evidence; a class counts its enrolled learners and, when it follows
a framework, only their evidence on that framework's competencies. The figures name no learner:
`class_learners` does, for one class, under a grant audited per learner.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.leaders.period import Period
from assistant.leaders.replay import Decision, LearnerRecord, Replayer
from assistant.leaders.responsiveness import (
    EvidenceShares,
    Spread,
    StuckSummary,
    evidence_shares,
    overall_time_to_proficiency,
    pace,
    quiet_learners,
    stuck_learners,
    time_to_proficiency,
)
from assistant.learners.access import AccessGrant
from assistant.learners.db import Enrolment, Evidence, LearnerDatabase, MasteryOverride, SchoolClass
from assistant.learners.store import LearnerStore


@dataclass(frozen=True)
class Figures:
    """The responsiveness figures of one scope (the school or a class)."""

    learners: int
    shares: EvidenceShares
    quiet: int
    stuck: StuckSummary
    time_to_proficiency: Spread | None
    pace: float | None


@dataclass(frozen=True)
class ClassFigures:
    class_id: str
    name: str
    figures: Figures


@dataclass(frozen=True)
class CompetencyTime:
    competency_id: str
    code: str
    title: str
    spread: Spread


@dataclass(frozen=True)
class SchoolFigures:
    period: Period
    school: Figures
    classes: tuple[ClassFigures, ...]
    competencies: tuple[CompetencyTime, ...]  # time to proficiency, school-wide


@dataclass(frozen=True)
class LearnerRow:
    """One learner of a class drill-down (names are shown only here)."""

    learner_id: str
    name: str
    evidence: int  # in the period, in the class's scope
    not_ready: int
    mastered: int
    days_since_evidence: int | None
    stuck_on: tuple[tuple[str, int], ...]  # (code, days)
    reached: int  # competencies first reached in the period


@dataclass(frozen=True)
class ClassLearners:
    class_id: str
    name: str
    period: Period
    rows: tuple[LearnerRow, ...]


def figures(records: Sequence[LearnerRecord], period: Period) -> Figures:
    return Figures(
        learners=len(records),
        shares=evidence_shares(records, period),
        quiet=len(quiet_learners(records, period.end)),
        stuck=stuck_learners(records, period.end),
        time_to_proficiency=overall_time_to_proficiency(records, period),
        pace=pace(records, period),
    )


def school_figures(
    db: LearnerDatabase, period: Period, *, grant: AccessGrant, replayer: Replayer
) -> SchoolFigures:
    """The school's and every class's figures over `period` (evidence after it is not read)."""
    records = replay(db, grant, period.end, replayer)
    return school_figures_from(db, period, grant, records, replayer.catalog)


def school_figures_from(
    db: LearnerDatabase,
    period: Period,
    grant: AccessGrant,
    records: dict[str, LearnerRecord],
    catalog: FrameworkCatalog,
) -> SchoolFigures:
    """The same from learners already replayed up to the period's end."""
    everyone = [records.get(i) or LearnerRecord(i) for i in sorted(grant.learner_ids)]
    classes = []
    for class_id, name, framework_id, members in _classes(db, grant):
        keep = in_framework(catalog, framework_id)
        scoped = [(records.get(i) or LearnerRecord(i)).within(keep) for i in members]
        classes.append(ClassFigures(class_id, name, figures(scoped, period)))
    times = tuple(
        CompetencyTime(key, *_named(catalog, key), found)
        for key, found in time_to_proficiency(everyone, period).items()
    )
    return SchoolFigures(period, figures(everyone, period), tuple(classes), times)


def class_learners(
    db: LearnerDatabase,
    class_id: str,
    period: Period,
    *,
    grant: AccessGrant,
    replayer: Replayer,
) -> ClassLearners:
    """One row per learner of the class in `grant` (issued by AccessPolicy.class_grant)."""
    store = LearnerStore(db)
    info = store.class_info(class_id)
    profiles = store.profiles(grant)
    records = replay(db, grant, period.end, replayer)
    keep = in_framework(replayer.catalog, info.framework_id)
    rows = []
    for learner_id in info.learner_ids:
        if learner_id not in grant.learner_ids:
            continue
        record = (records.get(learner_id) or LearnerRecord(learner_id)).within(keep)
        recent = [f for f in record.evidence if f.day in period]
        last = record.last_evidence
        rows.append(
            LearnerRow(
                learner_id=learner_id,
                name=profiles[learner_id].name if learner_id in profiles else learner_id,
                evidence=len(recent),
                not_ready=sum(f.not_ready for f in recent),
                mastered=sum(f.mastered for f in recent),
                days_since_evidence=(period.end - last).days if last else None,
                stuck_on=tuple(
                    (_named(replayer.catalog, run.competency_id)[0], (period.end - run.since).days)
                    for run in record.stuck
                ),
                reached=sum(1 for r in record.reached if r.reached in period),
            )
        )
    rows.sort(key=lambda row: (row.name.casefold(), row.learner_id))
    return ClassLearners(class_id, info.name, period, tuple(rows))


def replay(
    db: LearnerDatabase, grant: AccessGrant, until: date, replayer: Replayer
) -> dict[str, LearnerRecord]:
    """Each learner of the grant with evidence or a decision, replayed up to `until`."""
    end = datetime.combine(until, time.max)
    histories = LearnerStore(db).histories(grant, end)
    decisions: dict[str, list[Decision]] = defaultdict(list)
    with db.session() as session:
        rows = session.scalars(
            select(MasteryOverride)
            .where(
                MasteryOverride.learner_id.in_(sorted(grant.learner_ids)),
                MasteryOverride.decided_at <= end,
            )
            .order_by(MasteryOverride.id)
        )
        for row in rows:
            decisions[row.learner_id].append(
                Decision(row.competency_id, row.level, row.decided_at, row.decided_by, row.reason)
            )
    return {
        learner_id: replayer.record(
            learner_id, histories.get(learner_id, {}), decisions.get(learner_id, []), until
        )
        for learner_id in sorted({*histories, *decisions})
    }


def latest_evidence_day(db: LearnerDatabase) -> date | None:
    """The day of the school's newest evidence (a date, not anyone's data)."""
    with db.session() as session:
        found = session.scalar(select(func.max(Evidence.observed_at)))
    return found.date() if found is not None else None


def in_framework(catalog: FrameworkCatalog, framework_id: str | None) -> Callable[[str], bool]:
    """Whether a competency is in a class's scope: its framework's, or any without one."""
    if not framework_id or catalog.framework(framework_id) is None:
        return lambda _key: True
    return lambda key: (
        catalog.is_assessable(key) and catalog.entry(key).framework_id == framework_id
    )


def _classes(
    db: LearnerDatabase, grant: AccessGrant
) -> list[tuple[str, str, str | None, list[str]]]:
    with db.session() as session:
        classes = [
            (row.id, row.name, row.framework_id)
            for row in session.scalars(select(SchoolClass).order_by(SchoolClass.id))
        ]
        members: dict[str, list[str]] = defaultdict(list)
        for class_id, learner_id in session.execute(
            select(Enrolment.class_id, Enrolment.learner_id).order_by(Enrolment.learner_id)
        ):
            if learner_id in grant.learner_ids:
                members[class_id].append(learner_id)
    return [(i, name, fw, members[i]) for i, name, fw in classes]


def _named(catalog: FrameworkCatalog, key: str) -> tuple[str, str]:
    if catalog.is_assessable(key):
        entry = catalog.entry(key)
        return entry.code, entry.title
    return key, ""
