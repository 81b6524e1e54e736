"""What the leader pages call: the figures through the access policy, for a chosen period.

A leader or an admin reads the school's figures (one audit row for the scope "school") and
drills into a class (one audit row per learner shown); anyone else is refused, and the refusal
is audited. The mastery model is the configured one, ready for the current evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.leaders.period import DEFAULT_DAYS, Period
from assistant.leaders.replay import Replayer
from assistant.leaders.school import (
    ClassLearners,
    SchoolFigures,
    class_learners,
    latest_evidence_day,
    school_figures,
)
from assistant.learners.access import SCHOOL_ROLES, AccessPolicy, Viewer
from assistant.learners.estimates import MasteryService
from assistant.recommend.gaps import ClassRules

SCHOOL_PURPOSE = "school figures"
CLASS_PURPOSE = "leader class drill-down"


class LeaderService:
    def __init__(
        self,
        access: AccessPolicy,
        mastery: MasteryService,
        catalog: FrameworkCatalog,
        rules: ClassRules,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.access = access
        self.mastery = mastery
        self.catalog = catalog
        self.rules = rules
        self.today = today

    @staticmethod
    def may_lead(viewer: Viewer) -> bool:
        return viewer.role in SCHOOL_ROLES

    def default_period(self, days: int = DEFAULT_DAYS) -> Period:
        """The last `days` days up to the school's latest evidence (today when it has none)."""
        return Period.ending(latest_evidence_day(self.access.db) or self.today(), days)

    def school(self, viewer: Viewer, period: Period) -> SchoolFigures:
        grant = self.access.school_grant(viewer, purpose=SCHOOL_PURPOSE)
        return school_figures(self.access.db, period, grant=grant, replayer=self._replayer())

    def class_learners(self, viewer: Viewer, class_id: str, period: Period) -> ClassLearners:
        grant = self.access.class_grant(viewer, class_id, purpose=CLASS_PURPOSE)
        return class_learners(
            self.access.db, class_id, period, grant=grant, replayer=self._replayer()
        )

    def _replayer(self) -> Replayer:
        return Replayer(self.catalog, self.mastery.ready_model(), self.mastery.scale, self.rules)
