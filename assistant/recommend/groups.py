"""Flexible groups: learners held up by the same unmet prerequisite, for a few days.

One group per frontier prerequisite (see gaps.py), with two to six learners by default; a
larger cohort is split into balanced groups ordered by their current level on it, and a learner
alone gets a conference instead. Each group names the competencies its learners are working
towards, a mini-lesson from the teacher guides (a section whose heading names the code), the
practice resources, and a review date: groups are per competency and short-lived, never tracks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.frameworks.practice import Activity, ResourceLink
from assistant.learners.types import LearnerProfile, MasteryEstimate
from assistant.recommend.gaps import LearnerGaps
from assistant.recommend.reasons import ReasonTemplates, day_label, level_label
from assistant.settings_groups import ClassRules


@dataclass(frozen=True)
class GroupMember:
    learner_id: str
    name: str
    level: float | None

    def as_json(self) -> dict[str, object]:
        return {"learner_id": self.learner_id, "name": self.name, "level": self.level}


@dataclass(frozen=True)
class TeamSuggestion:
    """The teaching team's pick for a group's focus (issue 19, leaders/teams.py): the activity
    the course's teachers marked as their go-to, else the one whose learners most often reached
    Proficient across the course's sections. A comparison of recorded results, not a cause."""

    activity: str
    go_to: bool
    learners: int = 0  # who attended it (0: marked, no recorded result)
    reached: int = 0
    median_days: float | None = None
    class_ids: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "activity": self.activity,
            "go_to": self.go_to,
            "learners": self.learners,
            "reached": self.reached,
            "median_days": self.median_days,
            "classes": list(self.class_ids),
        }


@dataclass(frozen=True)
class FlexibleGroup:
    focus: str
    focus_title: str
    part: int
    parts: int
    members: tuple[GroupMember, ...]
    targets: tuple[str, ...]
    reason: str
    review_by: date
    activity: Activity | None
    resources: tuple[ResourceLink, ...]
    team_pick: TeamSuggestion | None = None  # suggested before the guide's activity

    def as_json(self) -> dict[str, object]:
        return {
            "team_pick": self.team_pick.as_json() if self.team_pick else None,
            "focus": self.focus,
            "focus_title": self.focus_title,
            "part": self.part,
            "parts": self.parts,
            "learners": [m.as_json() for m in self.members],
            "targets": list(self.targets),
            "reason": self.reason,
            "review_by": self.review_by.isoformat(),
            "activity": self.activity.as_json() if self.activity else None,
            "resources": [r.as_json() for r in self.resources],
        }


@dataclass(frozen=True)
class Conference:
    learner_id: str
    name: str
    focus: str
    targets: tuple[str, ...]
    reason: str

    def as_json(self) -> dict[str, object]:
        return {
            "learner_id": self.learner_id,
            "name": self.name,
            "focus": self.focus,
            "targets": list(self.targets),
            "reason": self.reason,
        }


def flexible_groups(
    catalog: FrameworkCatalog,
    reasons: ReasonTemplates,
    rules: ClassRules,
    learners: Mapping[str, LearnerProfile],
    gaps: Mapping[str, LearnerGaps],
    focus: Sequence[str],
    as_of: date,
) -> tuple[list[FlexibleGroup], list[Conference]]:
    held: dict[str, dict[str, list[str]]] = {}
    for learner_id, analysis in gaps.items():
        for blocker, held_up in analysis.blockers(focus).items():
            held.setdefault(blocker, {})[learner_id] = held_up
    groups: list[FlexibleGroup] = []
    conferences: list[Conference] = []
    ordered = sorted(held.items(), key=lambda kv: (-len(kv[1]), catalog.entry(kv[0]).order))
    for blocker, by_learner in ordered:
        entry = catalog.entry(blocker)
        targets = _codes_by_count(catalog, by_learner.values())
        if len(by_learner) < rules.group_min_size:
            for learner_id, own in by_learner.items():
                own_codes = tuple(catalog.entry(t).code for t in own)
                conferences.append(
                    Conference(
                        learner_id,
                        learners[learner_id].name,
                        entry.code,
                        own_codes,
                        reasons.render(
                            "groups",
                            "conference",
                            focus=entry.code,
                            targets=reasons.join(list(own_codes)),
                        ),
                    )
                )
            continue
        members = sorted(
            (
                GroupMember(lid, learners[lid].name, _level(gaps[lid].estimates.get(blocker)))
                for lid in by_learner
            ),
            key=lambda m: (m.level if m.level is not None else -1.0, m.learner_id),
        )
        bar = level_label(catalog.scale(blocker).bar)
        review_by = as_of + timedelta(days=rules.group_review_days)
        reason = reasons.sentences(
            [
                reasons.render(
                    "groups",
                    "purpose",
                    count=len(members),
                    targets=reasons.join(list(targets)),
                    bar=bar,
                    focus=entry.code,
                ),
                reasons.render(
                    "groups",
                    "review",
                    review_by=day_label(review_by, as_of),
                    bar=bar,
                    focus=entry.code,
                ),
            ]
        )
        activity = _activity(catalog.activities(blocker))
        parts = _split(members, rules.group_max_size)
        for number, part in enumerate(parts, start=1):
            groups.append(
                FlexibleGroup(
                    entry.code,
                    entry.title,
                    number,
                    len(parts),
                    tuple(part),
                    targets,
                    reason,
                    review_by,
                    activity,
                    catalog.resources(blocker),
                )
            )
    return groups, conferences


def _split(members: list[GroupMember], largest: int) -> list[list[GroupMember]]:
    count = math.ceil(len(members) / largest)
    size, extra = divmod(len(members), count)
    parts, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        parts.append(members[start:end])
        start = end
    return parts


def _codes_by_count(catalog: FrameworkCatalog, lists: Iterable[Sequence[str]]) -> tuple[str, ...]:
    counts: dict[str, int] = {}
    for targets in lists:
        for target in targets:
            counts[target] = counts.get(target, 0) + 1
    ordered = sorted(counts, key=lambda t: (-counts[t], catalog.entry(t).order))
    return tuple(catalog.entry(t).code for t in ordered)


def _activity(activities: Sequence[Activity]) -> Activity | None:
    with_section = [a for a in activities if a.section]
    chosen = with_section or list(activities)
    return chosen[0] if chosen else None


def _level(estimate: MasteryEstimate | None) -> float | None:
    return estimate.level if estimate is not None else None
