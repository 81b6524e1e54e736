"""`waypoint` command line: ingest, search, frameworks, and the learner model (import-roster,
import-evidence, demo, next-steps, class-report, override). Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import __version__
from assistant.cli_api import add_api_commands
from assistant.cli_case import add_case_commands, add_version_options
from assistant.cli_chat import add_chat_commands
from assistant.cli_credentials import add_credentials_commands
from assistant.cli_oneroster import add_oneroster_commands
from assistant.cli_privacy import add_privacy_commands
from assistant.cli_ui import add_ui_command
from assistant.errors import StoreUnavailableError, WaypointError
from assistant.settings import Settings
from assistant.types import AUDIENCES

if TYPE_CHECKING:  # the services load when a command runs: `--help` stays light
    from assistant.container import Assistant

EXIT_OK, EXIT_ERROR, EXIT_PARTIAL = 0, 1, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="waypoint",
        description=("Waypoint: an offline assistant for competency-based education."),
    )
    parser.add_argument("--version", action="version", version=f"waypoint {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="index frameworks and guides")
    ingest.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: the bundled knowledge)"
    )
    ingest.add_argument(
        "--prune",
        action="store_true",
        help="remove what was indexed from these folders but is gone now",
    )
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.set_defaults(handler=cmd_ingest)

    search = commands.add_parser("search", help="search the index")
    search.add_argument("query")
    search.add_argument("--k", type=int, default=5, help="how many results (default 5)")
    search.add_argument("--audience", choices=[a for a in AUDIENCES if a != "all"])
    search.add_argument("--framework", help="only this framework (title or identifier)")
    search.add_argument("--type", dest="doc_type", choices=["competency", "guide", "resource"])
    search.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
    search.add_argument("--json", action="store_true", help="print results as JSON")
    search.set_defaults(handler=cmd_search)

    frameworks = commands.add_parser("frameworks", help="list imported frameworks")
    frameworks.add_argument("--json", action="store_true")
    frameworks.set_defaults(handler=cmd_frameworks)
    add_version_options(frameworks, cmd_frameworks)
    add_case_commands(commands)
    add_chat_commands(commands)
    add_ui_command(commands)
    _learner_commands(commands)
    add_oneroster_commands(commands)
    add_privacy_commands(commands)
    add_api_commands(commands)
    add_credentials_commands(commands)
    return parser


def _learner_commands(commands: Any) -> None:
    as_user = "who is asking (a user id from the roster; default: the local administrator)"
    roster = commands.add_parser("import-roster", help="import people and classes from CSV")
    roster.add_argument("files", nargs="+", type=Path, help="a people file and/or classes file")
    roster.set_defaults(handler=cmd_import_roster)
    evidence = commands.add_parser("import-evidence", help="import evidence from a CSV file")
    evidence.add_argument("file", type=Path)
    evidence.set_defaults(handler=cmd_import_evidence)
    demo = commands.add_parser("demo", help="load the demo school from knowledge/demo")
    demo.set_defaults(handler=cmd_demo)
    steps = commands.add_parser("next-steps", help="what a learner is ready to learn next")
    steps.add_argument("--learner", required=True, help="learner id")
    steps.add_argument("--framework", help="only this framework (title or identifier)")
    steps.add_argument("--limit", type=int, help="how many steps (default: settings)")
    steps.set_defaults(handler=cmd_next_steps)
    report = commands.add_parser("class-report", help="levels, gaps, groups and tiers")
    report.add_argument("--class", dest="class_id", required=True, help="class id")
    report.set_defaults(handler=cmd_class_report)
    override = commands.add_parser("override", help="record a teacher's level decision")
    override.add_argument("--learner", required=True)
    override.add_argument("--competency", required=True, help="code or CASE identifier")
    level = override.add_mutually_exclusive_group(required=True)
    level.add_argument("--level", type=float, help="a level of the competency's scale")
    level.add_argument("--clear", action="store_true", help="withdraw the standing override")
    override.add_argument("--reason", required=True, help="why (recorded with who and when)")
    override.set_defaults(handler=cmd_override)
    for command in (roster, evidence, demo, steps, report, override):
        command.add_argument("--user", help=as_user, required=command is override)
        command.add_argument("--json", action="store_true", help="print the result as JSON")
    for command in (steps, report):
        command.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")


def cmd_ingest(args: argparse.Namespace, assistant: Assistant) -> int:
    progress = _progress_bar(assistant.settings) if not args.json else None
    try:
        report = assistant.indexer.ingest(
            args.paths or None,
            prune=args.prune,
            progress=progress.update if progress else None,
            waiting=_say_waiting,
        )
    finally:
        if progress:
            progress.close()
    for problem in report.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(
            f"{report.files} files ({report.files_changed} changed, {report.files_removed} "
            f"removed, {len(report.problems)} skipped); chunks: {report.chunks_added} added, "
            f"{report.chunks_removed} removed, {report.chunks_unchanged} unchanged; "
            f"{report.embedded} embedded; {report.seconds:.1f} s"
        )
        for note in report.ignored:
            print(f"ignored: {note}")
        for line in report.versions:
            print(line)
    return EXIT_PARTIAL if report.problems else EXIT_OK


def _say_waiting(holder: int | None) -> None:
    who = f" (pid {holder})" if holder else ""
    print(f"waypoint: another ingest is running{who}; waiting…", file=sys.stderr, flush=True)


def cmd_search(args: argparse.Namespace, assistant: Assistant) -> int:
    if args.k < 1 or args.k > 100:
        raise WaypointError("--k must be between 1 and 100")
    from assistant.index.vectorstore import describe_store
    from assistant.retrieval.retriever import SearchFilters

    filters = SearchFilters(
        audience=args.audience, framework=args.framework, doc_type=args.doc_type
    )
    try:
        hits = assistant.retriever.search(args.query, k=args.k, filters=filters, mode=args.mode)
    except StoreUnavailableError as exc:
        # One line naming the store (main prints it, exit 1); say what still works.
        vectors = str(exc).startswith(describe_store(assistant.settings))
        hint = " (`--mode lexical` searches without it)" if vectors else ""
        raise StoreUnavailableError(f"{exc}{hint}") from exc
    if args.json:
        print(json.dumps([hit.as_json() for hit in hits], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not hits:
        print("No results. Has `waypoint ingest` been run?")
    for number, hit in enumerate(hits, start=1):
        meta = hit.chunk.metadata
        where = hit.chunk.title + (f" › {meta['section']}" if meta.get("section") else "")
        print(f"{number}. [{hit.score:.3f}] {where}  ({hit.chunk.source})")
        snippet = " ".join(hit.chunk.text.split())
        print(f"   {snippet[:200]}{'…' if len(snippet) > 200 else ''}")
    return EXIT_OK


def cmd_frameworks(args: argparse.Namespace, assistant: Assistant) -> int:
    frameworks = assistant.records.frameworks()
    if args.json:
        print(json.dumps(frameworks, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not frameworks:
        print("No frameworks imported yet. Run `waypoint ingest`.")
    for fw in frameworks:
        print(
            f"{fw['title']}: {fw['items']} items, {fw['hierarchy_edges']} hierarchy edges, "
            f"{fw['prerequisite_edges']} prerequisite edges ({fw['path']})"
        )
    return EXIT_OK


def cmd_import_roster(args: argparse.Namespace, assistant: Assistant) -> int:
    viewer = assistant.access.viewer(args.user)
    report = assistant.roster_importer.import_files(args.files, viewer)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(
            f"{', '.join(report.files)}: {report.classes} classes, {report.people} people "
            f"({report.learners} learners) imported or updated"
        )
    return EXIT_OK


def cmd_import_evidence(args: argparse.Namespace, assistant: Assistant) -> int:
    viewer = assistant.access.viewer(args.user)
    report = assistant.evidence_importer.import_file(args.file, viewer)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(
            f"{report.path}: {report.rows} rows, {report.added} added, "
            f"{report.unchanged} already recorded"
        )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, assistant: Assistant) -> int:
    from assistant.demo.load import load_demo

    viewer = assistant.access.viewer(args.user)
    report = load_demo(
        assistant.roster_importer,
        assistant.evidence_importer,
        assistant.overrides,
        viewer,
        interventions=lambda path: assistant.interventions.import_file(path, allow_future=True),
    )
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(
            f"demo school: {report.roster.classes} classes, {report.roster.people} people; "
            f"evidence {report.evidence.added} added, {report.evidence.unchanged} already "
            f"recorded; {report.overrides_added} overrides added; "
            f"{report.interventions_added} group meetings recorded"
        )
    return EXIT_OK


def cmd_next_steps(args: argparse.Namespace, assistant: Assistant) -> int:
    if args.limit is not None and not 1 <= args.limit <= 50:
        raise WaypointError("--limit must be between 1 and 50")
    from assistant.recommend.render import render_next_steps

    viewer = assistant.access.viewer(args.user)
    report = assistant.recommender.for_learner(
        viewer, args.learner, as_of=args.as_of, framework=args.framework, limit=args.limit
    )
    print(
        json.dumps(report.as_json(), indent=2, ensure_ascii=False)
        if args.json
        else render_next_steps(report)
    )
    return EXIT_OK


def cmd_class_report(args: argparse.Namespace, assistant: Assistant) -> int:
    from assistant.recommend.render import render_class_report

    viewer = assistant.access.viewer(args.user)
    report = assistant.class_reports.for_class(viewer, args.class_id, as_of=args.as_of)
    print(
        json.dumps(report.as_json(), indent=2, ensure_ascii=False)
        if args.json
        else render_class_report(report)
    )
    return EXIT_OK


def cmd_override(args: argparse.Namespace, assistant: Assistant) -> int:
    viewer = assistant.access.viewer(args.user)
    level = None if args.clear else args.level
    standing = assistant.overrides.record(viewer, args.learner, args.competency, level, args.reason)
    result = {
        "learner": args.learner,
        "competency": args.competency,
        "level": standing.level if standing else None,
        "by": viewer.user_id,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    elif standing:
        print(f"{args.learner} {args.competency}: level {standing.level:g} set by {viewer.user_id}")
    else:
        print(f"{args.learner} {args.competency}: override withdrawn by {viewer.user_id}")
    return EXIT_OK


class _Bar:
    def __init__(self) -> None:
        from tqdm import tqdm

        self._tqdm: Any = None
        self._factory = tqdm

    def update(self, done: int, total: int) -> None:
        if self._tqdm is None:
            self._tqdm = self._factory(total=total, unit="chunk", desc="embedding", file=sys.stderr)
        self._tqdm.n = done
        self._tqdm.refresh()

    def close(self) -> None:
        if self._tqdm is not None:
            self._tqdm.close()


def _progress_bar(settings: Settings) -> _Bar | None:
    return _Bar() if settings.show_progress and sys.stderr.isatty() else None


def _build_assistant() -> Assistant:
    from assistant.container import build_assistant

    return build_assistant(Settings())


def main(
    argv: Sequence[str] | None = None, make_assistant: Callable[[], Assistant] | None = None
) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with_settings: Callable[[argparse.Namespace, Settings], int] | None = getattr(
            args, "settings_handler", None
        )
        if with_settings is not None:  # `waypoint ui`: hands over to Streamlit at once
            return with_settings(args, make_assistant().settings if make_assistant else Settings())
        assistant = make_assistant() if make_assistant else _build_assistant()
        handler: Callable[[argparse.Namespace, Assistant], int] = args.handler
        return handler(args, assistant)
    except (WaypointError, OSError, ValueError) as exc:
        if args.debug:
            raise
        print(f"waypoint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("waypoint: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
