"""`waypoint import-oneroster` and `waypoint export-oneroster`: OneRoster 1.2 CSV in and out."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.container import Assistant

EXIT_OK = 0
AS_USER = "who is asking (a user id from the roster; default: the local administrator)"


def add_oneroster_commands(commands: Any) -> None:
    found = commands.add_parser(
        "import-oneroster", help="import a OneRoster 1.2 CSV set (a folder or a .zip)"
    )
    found.add_argument("path", type=Path, help="the folder or .zip with manifest.csv")
    found.add_argument(
        "--framework", help="the framework of classes no course map entry names (title or id)"
    )
    found.add_argument(
        "--course-map",
        type=Path,
        help="a CSV with course_code and framework: the framework each course follows",
    )
    found.add_argument(
        "--dry-run", action="store_true", help="check and show what would change; write nothing"
    )
    found.set_defaults(handler=cmd_import_oneroster)
    out = commands.add_parser(
        "export-oneroster", help="a class report's levels as a OneRoster 1.2 CSV set"
    )
    out.add_argument("class_id", metavar="CLASS", help="class id")
    out.add_argument("--out", type=Path, required=True, help="a folder, or a file ending .zip")
    out.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
    out.set_defaults(handler=cmd_export_oneroster)
    for command in (found, out):
        command.add_argument("--user", help=AS_USER)
        command.add_argument("--json", action="store_true", help="print the result as JSON")


def cmd_import_oneroster(args: argparse.Namespace, assistant: Assistant) -> int:
    from assistant.oneroster.importer import OneRosterImporter

    viewer = assistant.access.viewer(args.user)
    importer = OneRosterImporter(
        assistant.learner_db,
        assistant.catalog,
        assistant.access,
        max_bytes=assistant.settings.max_upload_bytes,
    )
    importer.after_import = assistant.after_import  # the leaders' figures are precomputed
    report = importer.import_set(
        args.path,
        viewer,
        framework=args.framework,
        course_map=args.course_map,
        dry_run=args.dry_run,
    )
    print(json.dumps(report.as_json(), indent=2) if args.json else "\n".join(report.lines()))
    return EXIT_OK


def cmd_export_oneroster(args: argparse.Namespace, assistant: Assistant) -> int:
    from assistant.oneroster.export import OneRosterExporter

    viewer = assistant.access.viewer(args.user)
    exporter = OneRosterExporter(assistant.learner_db, assistant.catalog, assistant.class_reports)
    report = exporter.export_class(viewer, args.class_id, args.out, as_of=args.as_of)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(
            f"{report.out}: class {report.class_id}, {report.learners} learners, "
            f"{report.line_items} line items, {report.results} results"
        )
    return EXIT_OK
