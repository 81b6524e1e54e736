"""`waypoint credentials issue|list|verify|revoke|status-list|clr|did-document`: Open Badges
3.0 mastery credentials and CLR 2.0 transcripts."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import WaypointError

if TYPE_CHECKING:
    from assistant.container import Assistant

EXIT_OK, EXIT_INVALID = 0, 1
AS_USER = "who is asking (a user id from the roster; default: the local administrator)"


def add_credentials_commands(commands: Any) -> None:
    group = commands.add_parser(
        "credentials", help="Open Badges 3.0 mastery credentials and CLR 2.0 transcripts"
    )
    actions = group.add_subparsers(dest="action", required=True)
    issue = actions.add_parser("issue", help="sign a credential for a competency at Proficient")
    issue.add_argument("--learner", required=True, help="learner id")
    issue.add_argument("--competency", required=True, help="code or CASE identifier")
    issue.add_argument(
        "--out", type=Path, help="also write it to this file (.jwt: the VC-JWT; else JSON)"
    )
    issue.set_defaults(handler=cmd_issue)
    listed = actions.add_parser("list", help="issued credentials")
    listed.add_argument("--learner", help="only this learner's")
    listed.set_defaults(handler=cmd_list)
    verify = actions.add_parser("verify", help="check a credential file (JSON or VC-JWT)")
    verify.add_argument("file", type=Path)
    verify.set_defaults(handler=cmd_verify)
    revoke = actions.add_parser("revoke", help="revoke a credential (by its id)")
    revoke.add_argument("credential_id", metavar="ID")
    revoke.set_defaults(handler=cmd_revoke)
    status = actions.add_parser("status-list", help="write the revocation list to publish")
    status.add_argument("--out", type=Path, required=True)
    status.set_defaults(handler=cmd_status_list)
    clr = actions.add_parser("clr", help="a learner's credentials as one CLR 2.0 transcript")
    clr.add_argument("--learner", required=True)
    clr.add_argument("--out", type=Path, required=True)
    clr.set_defaults(handler=cmd_clr)
    did = actions.add_parser("did-document", help="the DID document to publish for did:web")
    did.add_argument("--out", type=Path, required=True)
    did.set_defaults(handler=cmd_did_document)
    for command in (issue, listed, verify, revoke, status, clr, did):
        command.add_argument("--as", "--user", dest="user", help=AS_USER)
        command.add_argument("--json", action="store_true", help="print the result as JSON")


def cmd_issue(args: argparse.Namespace, assistant: Assistant) -> int:
    viewer = assistant.access.viewer(args.user)
    record = assistant.credentials.issue(viewer, args.learner, args.competency)
    if args.out:
        jwt = args.out.suffix.lower() == ".jwt"
        write_text(args.out, record.jwt + "\n" if jwt else record.document + "\n")
    if args.json:
        print(json.dumps(record.as_json(), indent=2, ensure_ascii=False))
    else:
        print(f"issued {record.credential_id}: {record.learner_id} {record.competency_code}")
    return EXIT_OK


def cmd_list(args: argparse.Namespace, assistant: Assistant) -> int:
    viewer = assistant.access.viewer(args.user)
    records = assistant.credentials.listed(viewer, args.learner)
    if args.json:
        print(json.dumps([r.as_json() for r in records], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not records:
        print("No credentials issued.")
    for r in records:
        state = f"revoked {r.revoked_at:%Y-%m-%d}" if r.revoked_at else "valid"
        print(
            f"{r.credential_id}  {r.learner_id}  {r.competency_code}  "
            f"issued {r.issued_at:%Y-%m-%d} by {r.issued_by}  {state}"
        )
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, assistant: Assistant) -> int:
    text = read_text(args.file)
    result = assistant.credentials.verify(text)
    if args.json:
        print(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
        return EXIT_OK if result.valid else EXIT_INVALID
    if not result.valid:
        raise WaypointError(f"{args.file}: not valid: {result.reason}")
    print(f"{args.file}: valid {result.kind} {result.credential_id} from {result.issuer}")
    for note in result.notes:
        print(f"note: {note}")
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace, assistant: Assistant) -> int:
    viewer = assistant.access.viewer(args.user)
    record = assistant.credentials.revoke(viewer, args.credential_id)
    if args.json:
        print(json.dumps(record.as_json(), indent=2, ensure_ascii=False))
    else:
        print(f"revoked {record.credential_id} (status list index {record.status_index})")
    return EXIT_OK


def cmd_status_list(args: argparse.Namespace, assistant: Assistant) -> int:
    document = assistant.credentials.status_list()
    write_text(args.out, json.dumps(document, indent=2) + "\n")
    _done(args, {"out": str(args.out), "id": document["id"]}, f"status list written to {args.out}")
    return EXIT_OK


def cmd_clr(args: argparse.Namespace, assistant: Assistant) -> int:
    viewer = assistant.access.viewer(args.user)
    document = assistant.credentials.transcript(viewer, args.learner)
    write_text(args.out, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    count = len(document["credentialSubject"]["verifiableCredential"])
    _done(
        args,
        {"out": str(args.out), "id": document["id"], "credentials": count},
        f"transcript of {count} credentials written to {args.out}",
    )
    return EXIT_OK


def cmd_did_document(args: argparse.Namespace, assistant: Assistant) -> int:
    document = assistant.credentials.did_document()
    write_text(args.out, json.dumps(document, indent=2) + "\n")
    _done(args, {"out": str(args.out), "id": document["id"]}, f"{document['id']} -> {args.out}")
    return EXIT_OK


def _done(args: argparse.Namespace, data: dict[str, object], line: str) -> None:
    print(json.dumps(data, indent=2) if args.json else line)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise WaypointError(f"{path}: not UTF-8 text") from exc


def write_text(path: Path, text: str) -> None:
    """Write all of it or nothing: a temporary file beside it, then renamed into place."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
