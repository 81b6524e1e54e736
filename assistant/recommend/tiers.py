"""Tier suggestions (core / targeted / intensive), from the decision rules in the teacher guide
"Tiered supports (MTSS) in a competency-based classroom". Always a suggestion: the teacher decides.

intensive  a known gap reaches back `intensive_gap_links` (3) or more prerequisite links, or the
           learner is stuck on `intensive_stuck_count` (3) or more competencies at once whose own
           prerequisites are met (independent gaps: being stuck on competencies that wait for an
           unmet prerequisite is one gap, counted once, at the prerequisite);
targeted   otherwise, stuck on a competency, or two or more attempts at the lowest level on one;
core       otherwise.
Competencies on which a large share of the class is stuck (`reteach_share`) are left out of a
learner's rules: that points to core teaching, not to the learner. A stretch without evidence
while the class was active is noted (check for an absence), but never changes the tier.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Literal

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.learners.types import LearnerProfile
from assistant.recommend.gaps import LearnerGaps
from assistant.recommend.reasons import ReasonTemplates, day_label, level_label

Tier = Literal["core", "targeted", "intensive"]
CHAIN_ARROW = " → "


@dataclass(frozen=True)
class TierSuggestion:
    learner_id: str
    name: str
    tier: Tier
    reasons: tuple[str, ...]
    decision: str

    def as_json(self) -> dict[str, object]:
        return {
            "learner_id": self.learner_id,
            "name": self.name,
            "suggested_tier": self.tier,
            "reasons": list(self.reasons),
            "decision": self.decision,
        }


def suggest_tier(
    catalog: FrameworkCatalog,
    reasons: ReasonTemplates,
    learner: LearnerProfile,
    gaps: LearnerGaps,
    class_wide: Collection[str],
    evidence: tuple[list[date], list[date]],
    as_of: date,
) -> TierSuggestion:
    rules = gaps.rules
    all_stuck = gaps.stuck()
    stuck = [k for k in all_stuck if k not in class_wide]
    lowest = [k for k in gaps.lowest() if k not in class_wide]
    chain = gaps.longest_gap_chain()
    links = len(chain) - 1
    deep = links >= rules.intensive_gap_links
    independent = [k for k in stuck if gaps.state.all_proficient(catalog.prerequisites(k))]
    many = len(independent) >= rules.intensive_stuck_count
    tier: Tier = "intensive" if deep or many else "targeted" if stuck or lowest else "core"

    def codes(keys: list[str]) -> str:
        return reasons.join([catalog.entry(k).code for k in keys])

    said: list[str] = []
    if deep:
        chain_text = CHAIN_ARROW.join(catalog.entry(k).code for k in chain)
        said.append(reasons.render("tiers", "chain", links=links, chain=chain_text))
    if many:
        said.append(
            reasons.render("tiers", "many", count=len(independent), codes=codes(independent))
        )
    if stuck and not many:
        bar = level_label(catalog.scale(stuck[0]).bar)
        said.append(
            reasons.render("tiers", "stuck", codes=codes(stuck), bar=bar, days=rules.stuck_days)
        )
    if lowest:
        lowest_level = level_label(catalog.scale(lowest[0]).minimum)
        said.append(reasons.render("tiers", "lowest", lowest=lowest_level, codes=codes(lowest)))
    if tier == "core":
        said.append(reasons.render("tiers", "core"))
    shared = [k for k in all_stuck if k in class_wide]
    if shared:
        said.append(reasons.render("tiers", "class_wide", codes=codes(shared)))
    own_days, class_days = evidence
    gap = gaps.evidence_gap(own_days, class_days, as_of)
    if gap is not None:
        start, end = gap
        said.append(
            reasons.render(
                "tiers", "absence", start=day_label(start, as_of), end=day_label(end, as_of)
            )
        )
    return TierSuggestion(
        learner.id, learner.name, tier, tuple(said), reasons.render("tiers", "decision")
    )
