"""What the leader pages call: the figures through the access policy, for a chosen period.

A leader or an admin reads the school's figures (one audit row for the scope "school") and
drills into a class (one audit row per learner shown); anyone else is refused, and the refusal
is audited. The mastery model is the configured one, ready for the current evidence.
The school's and the equity figures come from `precompute.LeaderFigureCache` (stored after each
import for the default period); reading the equity figures is audited as its own purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.leaders.equity import MIN_GROUP, EquityFigures, check_minimum
from assistant.leaders.period import DEFAULT_DAYS, Period
from assistant.leaders.precompute import Freshness, LeaderFigureCache, Snapshot
from assistant.leaders.replay import Replayer
from assistant.leaders.school import (
    ClassLearners,
    SchoolFigures,
    class_learners,
    latest_evidence_day,
)
from assistant.leaders.teams import PURPOSE as TEAMS_PURPOSE
from assistant.leaders.teams import TeamResults
from assistant.learners.access import LOCAL_ADMIN, SCHOOL_ROLES, AccessGrant, AccessPolicy, Viewer
from assistant.learners.estimates import MasteryService
from assistant.settings_groups import ClassRules

SCHOOL_PURPOSE = "school figures"
CLASS_PURPOSE = "leader class drill-down"
EQUITY_PURPOSE = "equity figures (learner attributes by group)"
PRECOMPUTE_PURPOSE = "school figures precomputed after an import"


class LeaderService:
    def __init__(
        self,
        access: AccessPolicy,
        mastery: MasteryService,
        catalog: FrameworkCatalog,
        rules: ClassRules,
        today: Callable[[], date] = date.today,
        *,
        min_group: int = MIN_GROUP,
        precompute: str,
    ) -> None:
        self.access = access
        self.mastery = mastery
        self.catalog = catalog
        self.rules = rules
        self.today = today
        self.cache = LeaderFigureCache(
            access.db,
            catalog,
            self._replayer,
            lambda: mastery.model.key,
            check_minimum(min_group),
            self._latest_period,
            self._system_grant,
            precompute,
        )

    @staticmethod
    def may_lead(viewer: Viewer) -> bool:
        return viewer.role in SCHOOL_ROLES

    def default_period(self, days: int = DEFAULT_DAYS) -> Period:
        """The period of the figures precomputed after the last import, when they are kept;
        else the last `days` days up to the school's latest evidence (today when none)."""
        stored = self.cache.stored_period() if self.cache.mode != "off" else None
        if stored is not None and days == DEFAULT_DAYS:
            return stored
        return self._latest_period(days)

    def _latest_period(self, days: int = DEFAULT_DAYS) -> Period:
        return Period.ending(latest_evidence_day(self.access.db) or self.today(), days)

    def freshness(self) -> Freshness:
        """Whether the figures last returned were precomputed, and when."""
        return self.cache.last

    def school(self, viewer: Viewer, period: Period) -> SchoolFigures:
        grant = self.access.school_grant(viewer, purpose=SCHOOL_PURPOSE)
        return self.cache.figures(grant, period).school

    def equity(self, viewer: Viewer, period: Period) -> EquityFigures:
        """The figures by learner attribute group (leaders and admins; audited)."""
        grant = self.access.school_grant(viewer, purpose=EQUITY_PURPOSE)
        return self.cache.figures(grant, period).equity

    def teams(self, viewer: Viewer, period: Period) -> TeamResults:
        """What worked across the school (every recorded intervention), precomputed with the
        school's figures (leaders and admins; audited as the teams' results)."""
        grant = self.access.school_grant(viewer, purpose=TEAMS_PURPOSE)
        return self.cache.figures(grant, period).teams

    def stamp(self, period: Period) -> str:
        """Changes whenever the data behind `period`'s figures changes (the pages' caches)."""
        return self.cache.stamp(period)

    def recompute(self) -> Snapshot:
        """The default period's figures, computed and stored (after an import)."""
        return self.cache.recompute()

    def after_import(self, mode: str) -> None:
        """What an import calls when it wrote something: `leader_precompute`'s mode."""
        if mode == "background":
            self.cache.schedule()
        elif mode == "inline":
            self.cache.recompute()

    def _system_grant(self) -> AccessGrant:
        return self.access.school_grant(LOCAL_ADMIN, purpose=PRECOMPUTE_PURPOSE)

    def class_learners(self, viewer: Viewer, class_id: str, period: Period) -> ClassLearners:
        grant = self.access.class_grant(viewer, class_id, purpose=CLASS_PURPOSE)
        return class_learners(
            self.access.db, class_id, period, grant=grant, replayer=self._replayer()
        )

    def _replayer(self) -> Replayer:
        return Replayer(self.catalog, self.mastery.ready_model(), self.mastery.scale, self.rules)
