"""The leaders' figures for one period: the school's and the classes' responsiveness, the
equity figures by group, and what worked; computed from every learner's replayed record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.leaders.equity import EquityFigures, equity_figures
from assistant.leaders.period import Period
from assistant.leaders.replay import LearnerRecord, Replayer
from assistant.leaders.school import SchoolFigures, replay, school_figures_from
from assistant.leaders.teams import TeamResults, school_results
from assistant.learners.access import AccessGrant
from assistant.learners.attributes import school_attributes
from assistant.learners.db import LearnerDatabase


@dataclass(frozen=True)
class LeaderFigures:
    school: SchoolFigures
    equity: EquityFigures
    teams: TeamResults  # what worked: every recorded intervention in the school


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
