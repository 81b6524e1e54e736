"""`waypoint export-case`, and `waypoint frameworks --diff FILE | --changes FRAMEWORK`.

An administrator's way through a new version of a framework: `frameworks --diff new.json`
shows what it changes (and what happens to evidence) without writing anything; `ingest
new.json` applies it; `frameworks --changes TITLE` lists the versions applied so far.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import WaypointError
from assistant.frameworks.case_export import export_package, write_package
from assistant.frameworks.case_import import load_framework
from assistant.frameworks.clashes import FrameworksInUse, framework_files
from assistant.frameworks.model import Framework
from assistant.frameworks.version_log import render_log

if TYPE_CHECKING:  # the services load when a command runs, not for `waypoint --help`
    from assistant.container import Assistant

Handler = Callable[[argparse.Namespace, "Assistant"], int]


def add_case_commands(commands: Any) -> None:
    export = commands.add_parser("export-case", help="write a framework as a CASE 1.1 package")
    export.add_argument("framework", help="title or CASE identifier of the framework")
    export.add_argument("--out", type=Path, required=True, help="the .json file to write")
    export.set_defaults(handler=cmd_export_case)


def add_version_options(frameworks: argparse.ArgumentParser, list_frameworks: Handler) -> None:
    """`--diff` and `--changes` on the `frameworks` command (which otherwise lists them)."""
    which = frameworks.add_mutually_exclusive_group()
    which.add_argument(
        "--diff", type=Path, metavar="FILE", help="what this CASE file would change; writes nothing"
    )
    which.add_argument(
        "--changes", metavar="FRAMEWORK", help="the versions applied to a framework so far"
    )
    frameworks.set_defaults(handler=partial(_frameworks, list_frameworks))


def _frameworks(list_frameworks: Handler, args: argparse.Namespace, assistant: Assistant) -> int:
    if args.diff is not None:
        return _diff(args, assistant)
    if args.changes is not None:
        return _changes(args, assistant)
    return list_frameworks(args, assistant)


def cmd_export_case(args: argparse.Namespace, assistant: Assistant) -> int:
    framework = _framework(assistant, args.framework)
    write_package(framework, args.out)
    package = export_package(framework)
    print(
        f"{args.out}: {framework.title}, {len(package['CFItems'])} items, "
        f"{len(package['CFAssociations'])} associations, {len(framework.levels)} competencies "
        "with levels (CASE 1.1)"
    )
    return 0


def _diff(args: argparse.Namespace, assistant: Assistant) -> int:
    settings = assistant.settings
    framework = load_framework(args.diff, max_bytes=settings.ingest.max_file_bytes)
    recorded = (fw.get("file") for fw in assistant.records.frameworks())
    in_use = FrameworksInUse(lambda: framework_files(settings.knowledge_dir, recorded))
    in_use.check(framework, args.diff, str(args.diff))  # what `ingest` would refuse
    preview = assistant.framework_versions.preview(
        framework, assistant.catalog.framework(framework.identifier)
    )
    if args.json:
        print(
            json.dumps(
                {
                    "framework": framework.identifier,
                    "in_use": preview.previous is not None,
                    "older": preview.older,
                    "changes": preview.changes.as_json() if preview.changes else None,
                    "evidence_to_move": {k: list(v) for k, v in preview.to_move.items()},
                    "evidence_retired": {k: list(v) for k, v in preview.retired.items()},
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print(preview.render())
        print("Nothing was changed. Apply it with `waypoint ingest` on the file.")
    return 0


def _changes(args: argparse.Namespace, assistant: Assistant) -> int:
    known = assistant.catalog.framework(args.changes)
    identifier = known.identifier if known else args.changes.strip()
    versions = assistant.framework_versions.log
    entries = versions.entries(identifier)
    if known is None and not entries:
        raise WaypointError(f"no framework {args.changes!r}: {_known(assistant)}")
    if args.json:
        print(json.dumps(entries, indent=2, ensure_ascii=False))
        return 0
    print(render_log(known.title if known else identifier, entries))
    retired = {r["identifier"] for entry in entries for r in entry.get("retired", [])}
    if retired:
        now = assistant.framework_versions.learners.evidence_on(retired)
        rows = sum(count for count, _ in now.values())
        print(f"Evidence on retired items now: {rows} rows on {len(now)} items (kept, not used).")
    return 0


def _framework(assistant: Assistant, key: str) -> Framework:
    framework = assistant.catalog.framework(key)
    if framework is None:
        raise WaypointError(f"no framework {key!r}: {_known(assistant)}")
    return framework


def _known(assistant: Assistant) -> str:
    titles = [fw.title for fw in assistant.catalog.frameworks]
    return "known: " + "; ".join(titles) if titles else "no frameworks are in use"
