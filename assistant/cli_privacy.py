"""`waypoint feedback`, `audit`, `retention`, `forget-learner` and `export-learner`:
learner-data privacy.

These run as the local administrator (the person who owns the database file), except
`export-learner`, which a learner or parent may run with --user.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import AccessDeniedError, WaypointError

if TYPE_CHECKING:  # the services load when a command runs, not for `waypoint --help`
    from assistant.container import Assistant
    from assistant.privacy import ForgetReport, ProofReport

# EXIT_PENDING: forgotten, but another program has the database open, so the deleted rows'
# bytes are overwritten only when it closes it (the app restarts).
EXIT_OK, EXIT_ERROR, EXIT_PENDING = 0, 1, 3


def add_privacy_commands(commands: Any) -> None:
    feedback = commands.add_parser("feedback", help="answer feedback: list it, export gold drafts")
    actions = feedback.add_subparsers(dest="feedback_command", required=True)
    export = actions.add_parser(
        "export", help="thumbs-down feedback as draft gold cases (JSON Lines) for review"
    )
    export.add_argument("--out", type=Path, help="write to this file (default: standard output)")
    export.add_argument("--since", type=_day, help="only feedback from this day on (YYYY-MM-DD)")
    export.set_defaults(handler=cmd_feedback_export)
    listing = actions.add_parser("list", help="the newest feedback first")
    listing.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    listing.add_argument("--json", action="store_true", help="print as JSON")
    listing.set_defaults(handler=cmd_feedback_list)

    audit = commands.add_parser("audit", help="who viewed or changed which learner's data")
    audit.add_argument("--learner", help="only entries about this learner")
    audit.add_argument("--user", help="only entries by this user")
    audit.add_argument("--limit", type=int, default=100, help="how many (default 100)")
    audit.add_argument("--json", action="store_true", help="print as JSON")
    audit.set_defaults(handler=cmd_audit)

    retention = commands.add_parser(
        "retention", help="delete audit entries and feedback older than their retention"
    )
    retention.add_argument(
        "--apply", action="store_true", help="delete (default: only show what would be deleted)"
    )
    retention.add_argument("--json", action="store_true", help="print as JSON")
    retention.set_defaults(handler=cmd_retention)

    forget = commands.add_parser(
        "forget-learner",
        help="delete all of one learner's data, then prove nothing is left (exit 0), or say "
        "what is (exit 1), or that the rest goes when the app restarts (exit 3)",
    )
    forget.add_argument("learner_id")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.add_argument("--user", help="the administrator doing it (default: local administrator)")
    forget.add_argument("--json", action="store_true", help="print the report as JSON")
    forget.set_defaults(handler=cmd_forget_learner)

    export = commands.add_parser(
        "export-learner",
        help="everything held about one learner, as JSON and CSV files (right of access)",
    )
    export.add_argument("learner_id")
    export.add_argument(
        "--out", type=Path, help="a new or empty folder (default: waypoint-export-ID here)"
    )
    export.add_argument(
        "--user",
        help="who is asking: the learner's own account, a parent of theirs, or an "
        "administrator (default: local administrator)",
    )
    export.set_defaults(handler=cmd_export_learner)


def _day(text: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def cmd_feedback_export(args: argparse.Namespace, assistant: Assistant) -> int:
    cases = assistant.feedback.gold_cases(since=args.since)
    lines = "".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases)
    if args.out is None:
        sys.stdout.write(lines)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(lines, encoding="utf-8")
        print(f"{len(cases)} draft gold cases written to {args.out}", file=sys.stderr)
    return EXIT_OK


def cmd_feedback_list(args: argparse.Namespace, assistant: Assistant) -> int:
    _check_limit(args.limit)
    entries = assistant.feedback.recent(args.limit)
    if args.json:
        print(json.dumps([e.as_json() for e in entries], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not entries:
        print("No feedback yet.")
    for entry in entries:
        thumb = "up  " if entry.rating else "down"
        who = f"{entry.role} {entry.user_id or '(anonymous)'}"
        print(
            f"#{entry.id} {entry.created_at:%Y-%m-%d %H:%M} UTC {thumb} {who} "
            f"[{entry.intent}] {_short(entry.question)}"
        )
        if entry.comment:
            print(f"    comment: {_short(entry.comment, 200)}")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace, assistant: Assistant) -> int:
    _check_limit(args.limit)
    entries = assistant.audit.entries(learner_id=args.learner, user_id=args.user, limit=args.limit)
    if args.json:
        print(json.dumps([e.as_json() for e in entries], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not entries:
        print("No audit entries.")
    for entry in entries:
        print(
            f"{entry.at:%Y-%m-%d %H:%M:%S} UTC  {entry.user_id} ({entry.role})  "
            f"{entry.action:<7}  {entry.learner_id or entry.scope}  {entry.what}"
        )
    return EXIT_OK


def cmd_retention(args: argparse.Namespace, assistant: Assistant) -> int:
    report = assistant.privacy.retention(apply=args.apply)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
        return EXIT_OK
    verb = "deleted" if report.applied else "would delete"
    print(
        f"audit log: {verb} {report.audit_rows} entries from before "
        f"{report.audit_before:%Y-%m-%d} ({assistant.privacy.audit_retention_days} days)"
    )
    print(
        f"feedback: {verb} {report.feedback_rows} ratings from before "
        f"{report.feedback_before:%Y-%m-%d} ({assistant.privacy.feedback_retention_days} days)"
    )
    if report.attributes_before is not None:
        print(
            f"learner attributes: {verb} {report.attribute_rows} not confirmed by a roster "
            f"import since {report.attributes_before:%Y-%m-%d} "
            f"({assistant.privacy.attribute_retention_days} days)"
        )
    if not report.applied:
        print("dry run: nothing was deleted; add --apply to delete")
    return EXIT_OK


def cmd_forget_learner(args: argparse.Namespace, assistant: Assistant) -> int:
    viewer = assistant.access.viewer(args.user)
    if viewer.role != "admin":
        raise AccessDeniedError(f"{viewer.user_id} ({viewer.role}) may not delete a learner's data")
    if not args.yes:
        if not sys.stdin.isatty():
            raise WaypointError("forget-learner deletes data for good: add --yes to confirm")
        typed = input(
            f"This deletes every record of learner {args.learner_id} for good. "
            "Type the learner id to confirm: "
        )
        if typed.strip() != args.learner_id:
            print("Nothing was deleted.")
            return EXIT_ERROR
    report = assistant.privacy.forget(args.learner_id, viewer)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        _print_forget(report)
    if report.proof.clean:
        return EXIT_OK
    return (
        EXIT_PENDING if report.proof.removal_pending and not report.proof.remaining else EXIT_ERROR
    )


def cmd_export_learner(args: argparse.Namespace, assistant: Assistant) -> int:
    from assistant.privacy import LearnerExporter
    from assistant.privacy.export import default_folder

    viewer = assistant.access.viewer(args.user)
    exporter = LearnerExporter(assistant.learner_db, assistant.access)
    export = exporter.collect(viewer, args.learner_id)
    folder = args.out if args.out is not None else default_folder(args.learner_id)
    written = exporter.write(export, folder)
    print(f"everything held about learner {args.learner_id} written to {folder}:")
    print(f"  {written[0].name}  every table below, as JSON")
    for path, table in zip(written[1:], export.tables, strict=True):
        rows = len(table.rows)
        print(f"  {path.name:<16} {rows:>5} {'row' if rows == 1 else 'rows'}")
    print("these files hold personal data: keep them safe and delete them when done")
    return EXIT_OK


def _print_forget(report: ForgetReport) -> None:
    deleted = ", ".join(f"{table} {count}" for table, count in report.deleted.items() if count)
    print(f"learner {report.learner_id} forgotten; rows deleted: {deleted or 'none'}")
    redacted = ", ".join(f"{col} {count}" for col, count in report.redacted.items() if count)
    if redacted:
        print(f"mentions in other records replaced by [removed]: {redacted}")
    if report.legacy_query_vectors_dropped:
        print(
            f"embedding cache: {report.legacy_query_vectors_dropped} vectors of typed questions "
            "kept by an earlier version dropped (questions are no longer cached on disk)"
        )
    if report.parents_without_children:
        print(
            "parent accounts with no linked learner left (not deleted; they are the parents' "
            f"own data): {', '.join(report.parents_without_children)}"
        )
    print(f"audit: one anonymous 'delete' entry recorded as {report.audit_key}")
    _print_proof(report.proof)


def _print_proof(proof: ProofReport) -> None:
    print("proof: rows still naming the learner (id, name or account), per table:")
    for scan in proof.tables:
        mark = "ok" if scan.rows == 0 else "FOUND"
        print(f"  {scan.database:<17} {scan.table:<32} {scan.rows:>4}  {mark}")
    if proof.files:
        print("proof: places in the raw bytes of the database files that still hold them:")
    for file in proof.files:
        mark = "ok" if file.places == 0 else "FOUND"
        print(f"  {file.database:<17} {file.file:<32} {file.places:>4}  {mark}")
    for note in proof.notes:
        print(f"  {note}")
    if proof.clean and proof.database_files_checked:
        print("proof: nothing left")
        return
    if proof.clean:
        print(
            "proof: no row names the learner any more; the database server's own files were "
            "not read (see the note above)"
        )
        return
    if proof.remaining:
        print(f"proof: {proof.remaining} rows still name the learner", file=sys.stderr)
    if proof.leftover:
        print(
            f"proof: {proof.leftover} places in the database files still hold the learner's id "
            "or name",
            file=sys.stderr,
        )
    if proof.removal_pending:
        print(
            "proof: not complete: the rows are deleted and no part of Waypoint can read them, "
            "but another program (the app) has the database open, so their old bytes are still "
            "on disk. Physical removal completes when the app restarts (when every program "
            "using the database has closed it).",
            file=sys.stderr,
        )


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= 10_000:
        raise WaypointError("--limit must be between 1 and 10000")


def _short(text: str, limit: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
