"""Framework texts in another language, from sidecar files beside the CASE packages.

A framework file stays valid CASE in its own language; `<name>.<lang>.yaml` next to it gives
the title, level names, competency titles and statements (keyed by CASE identifier) and level
descriptors (keyed by the competency's code and the level's score). What a sidecar lacks falls
back to the framework's own text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

SIDECAR_GLOB = "frameworks/*.*.yaml"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # a safe loader: libyaml's when built


@dataclass
class Translations:
    level_names: dict[str, dict[str, str]] = field(default_factory=dict)  # lang -> label -> name
    items: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (lang, id)
    levels: dict[tuple[str, str, float], dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, knowledge_dir: Path) -> Translations:
        """Every sidecar under knowledge_dir/frameworks; a sidecar that cannot be read is
        skipped (the framework's own texts are shown instead)."""
        found = cls()
        for path in sorted(knowledge_dir.glob(SIDECAR_GLOB)):
            try:
                data = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
            except (OSError, yaml.YAMLError):
                continue
            if isinstance(data, dict) and isinstance(data.get("language"), str):
                found._add(data)
        return found

    def _add(self, data: dict[str, object]) -> None:
        language = str(data["language"])
        framework, title = data.get("framework"), data.get("title")
        if isinstance(framework, str) and isinstance(title, str):  # the framework's own title
            self.items.setdefault((language, framework), {})["title"] = title
        names = data.get("level_names")
        if isinstance(names, dict):
            self.level_names.setdefault(language, {}).update(
                {str(k): str(v) for k, v in names.items()}
            )
        items = data.get("items")
        if isinstance(items, dict):
            for identifier, entry in items.items():
                if isinstance(entry, dict):
                    self.items[(language, str(identifier))] = {
                        str(k): str(v) for k, v in entry.items()
                    }
        levels = data.get("levels")
        if isinstance(levels, dict):
            for entry in levels.values():
                if isinstance(entry, dict) and "code" in entry and "score" in entry:
                    key = (language, str(entry["code"]), float(entry["score"]))
                    self.levels[key] = {str(k): str(v) for k, v in entry.items()}

    def level_name(self, label: str, language: str) -> str:
        return self.level_names.get(language, {}).get(label, label)

    def statement(self, identifier: str, language: str, default: str) -> str:
        return self.items.get((language, identifier), {}).get("statement") or default

    def title(self, identifier: str, language: str, default: str) -> str:
        return self.items.get((language, identifier), {}).get("title") or default

    def descriptor(self, code: str, score: float, language: str, default: str) -> str:
        return self.levels.get((language, code, float(score)), {}).get("description") or default

    def feedback(self, code: str, score: float, language: str, default: str) -> str:
        return self.levels.get((language, code, float(score)), {}).get("feedback") or default
