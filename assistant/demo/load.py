"""Loading the demo school's files into the database, through the ordinary importers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.demo.school import DEMO_DIR
from assistant.imports.evidence import EvidenceImporter, ImportReport
from assistant.imports.roster import RosterImporter, RosterReport
from assistant.learners.access import Viewer
from assistant.learners.overrides import OverrideService


@dataclass(frozen=True)
class DemoLoadReport:
    roster: RosterReport
    evidence: ImportReport
    overrides_added: int
    interventions_added: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "roster": self.roster.as_json(),
            "evidence": self.evidence.as_json(),
            "overrides_added": self.overrides_added,
            "interventions_added": self.interventions_added,
        }


def load_demo(
    roster: RosterImporter,
    evidence: EvidenceImporter,
    overrides: OverrideService,
    viewer: Viewer,
    folder: Path = DEMO_DIR,
    interventions: Callable[[Path], int] | None = None,
) -> DemoLoadReport:
    """Load the demo school into the database; loading it again adds nothing.
    `interventions`: what records the teams' group meetings (leaders' InterventionService
    .import_file; the demo layer cannot name it)."""
    people = roster.import_files([folder / "classes.csv", folder / "roster.csv"], viewer, demo=True)
    added = evidence.import_file(folder / "evidence.csv", viewer, allow_future=True)
    decided = overrides.import_file(folder / "overrides.csv")
    met = folder / "interventions.csv"
    groups = interventions(met) if interventions is not None and met.is_file() else 0
    return DemoLoadReport(people, added, decided, groups)
