"""`waypoint api` (the HTTP API and LTI tool), `waypoint api token ...`, `waypoint lti ...` and
`waypoint serve` (the app and the API together, as two processes)."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the services load when a command runs, not for `waypoint --help`
    from assistant.container import Assistant

EXIT_OK = 0
STOP_SECONDS = 15.0  # how long `serve` waits for a process to stop before killing it


def add_api_commands(commands: Any) -> None:
    api = commands.add_parser("api", help="run the HTTP API and the LTI tool; manage API tokens")
    api.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    api.add_argument("--port", type=int, help="port (default: setting api_port, 8001)")
    api.set_defaults(handler=cmd_api)
    tokens = api.add_subparsers(dest="api_command")
    token = tokens.add_parser("token", help="create, list and revoke API tokens")
    actions = token.add_subparsers(dest="token_command", required=True)
    create = actions.add_parser("create", help="a new token, shown once")
    owner = create.add_mutually_exclusive_group(required=True)
    owner.add_argument("--user", help="act as this user (under the access policy)")
    owner.add_argument("--service", help="a service account's name")
    create.add_argument(
        "--scope",
        action="append",
        default=[],
        help="service accounts: read:learners, write:evidence or admin (repeatable)",
    )
    create.add_argument("--classes", help="read:learners only in these classes (6A,6B)")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=cmd_token_create)
    listing = actions.add_parser("list", help="every token (never its secret)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_token_list)
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id")
    revoke.set_defaults(handler=cmd_token_revoke)

    lti = commands.add_parser("lti", help="LTI 1.3: register LMS platforms, rotate the tool key")
    lti_actions = lti.add_subparsers(dest="lti_command", required=True)
    add = lti_actions.add_parser("add-platform", help="register an LMS (or add a deployment)")
    add.add_argument("--issuer", required=True, help="the platform's issuer (iss)")
    add.add_argument("--client-id", required=True, help="the client id it gave Waypoint")
    add.add_argument("--auth-url", required=True, help="its OIDC authorisation endpoint")
    add.add_argument("--token-url", required=True, help="its OAuth2 token endpoint")
    add.add_argument("--jwks-url", required=True, help="its public keys (JWKS)")
    add.add_argument(
        "--deployment", action="append", required=True, help="a deployment id (repeatable)"
    )
    add.add_argument("--framework", help="framework of the classes its courses become")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=cmd_lti_add)
    platforms = lti_actions.add_parser("platforms", help="list the registered platforms")
    platforms.add_argument("--json", action="store_true")
    platforms.set_defaults(handler=cmd_lti_platforms)
    rotate = lti_actions.add_parser("rotate-key", help="a new tool key (the old one stays listed)")
    rotate.set_defaults(handler=cmd_lti_rotate)
    as_user = "who is asking (a user id; default: the local administrator)"
    sync = lti_actions.add_parser(
        "sync", help="sync a class's roster from its LMS course (Names and Role Provisioning)"
    )
    sync.add_argument("class_id", metavar="CLASS", help="a class launched from an LMS")
    sync.set_defaults(handler=cmd_lti_sync)
    grades = lti_actions.add_parser(
        "grades", help="post a class's current levels to its LMS gradebook (AGS; see settings)"
    )
    grades.add_argument("class_id", metavar="CLASS", help="a class launched from an LMS")
    grades.set_defaults(handler=cmd_lti_grades)
    for command in (sync, grades):
        command.add_argument("--user", help=as_user)
        command.add_argument("--json", action="store_true")

    serve = commands.add_parser(
        "serve", help="run the app and the HTTP API/LTI tool together (two processes)"
    )
    serve.add_argument("--address", default="127.0.0.1", help="address of both (127.0.0.1)")
    serve.add_argument("--ui-port", type=int, help="the app's port (default: setting ui_port)")
    serve.add_argument("--api-port", type=int, help="the API's port (default: setting api_port)")
    serve.set_defaults(handler=cmd_serve)


def cmd_api(args: argparse.Namespace, assistant: Assistant) -> int:
    import uvicorn

    from assistant.api.app import create_app

    port = args.port or assistant.settings.api.port
    print(f"Waypoint API on http://{args.host}:{port} (OpenAPI: /openapi.json; Ctrl+C stops it)")
    uvicorn.run(create_app(assistant), host=args.host, port=port, log_level="warning")
    return EXIT_OK


def cmd_token_create(args: argparse.Namespace, assistant: Assistant) -> int:
    store = assistant.api_tokens
    if args.user:
        if args.scope or args.classes:
            from assistant.learners.tokens import TokenError

            raise TokenError("--scope and --classes are for --service tokens")
        token_id, secret = store.create_for_user(args.user)
    else:
        classes = args.classes.split(",") if args.classes else None
        token_id, secret = store.create_for_service(args.service, args.scope, classes)
    if args.json:
        print(json.dumps({"id": token_id, "token": secret}))
    else:
        print(f"token {token_id} (shown once; keep it secret):\n{secret}")
    return EXIT_OK


def cmd_token_list(args: argparse.Namespace, assistant: Assistant) -> int:
    tokens = assistant.api_tokens.tokens()
    if args.json:
        print(json.dumps([t.as_json() for t in tokens], indent=2))
        return EXIT_OK
    if not tokens:
        print("No API tokens. Create one with `waypoint api token create`.")
    for t in tokens:
        scopes = " ".join(t.scopes) or "as the user"
        classes = f" in {','.join(t.classes)}" if t.classes else ""
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        print(f"{t.id}  {t.owner}  {scopes}{classes}  created {t.created_at:%Y-%m-%d}  {state}")
    return EXIT_OK


def cmd_token_revoke(args: argparse.Namespace, assistant: Assistant) -> int:
    assistant.api_tokens.revoke(args.token_id)
    print(f"token {args.token_id} revoked")
    return EXIT_OK


def cmd_lti_add(args: argparse.Namespace, assistant: Assistant) -> int:
    framework = None
    if args.framework:
        found = assistant.catalog.framework(args.framework)
        if found is None:
            from assistant.errors import UnknownRecordError

            raise UnknownRecordError(f"unknown framework {args.framework!r}")
        framework = found.identifier
    platform = assistant.lti.platforms.add(
        issuer=args.issuer,
        client_id=args.client_id,
        auth_url=args.auth_url,
        token_url=args.token_url,
        jwks_url=args.jwks_url,
        deployments=args.deployment,
        framework_id=framework,
    )
    if args.json:
        print(json.dumps(platform.as_json(), indent=2))
    else:
        print(
            f"platform {platform.id}: {platform.issuer} (client {platform.client_id}), "
            f"deployments {', '.join(platform.deployments)}"
        )
    return EXIT_OK


def cmd_lti_platforms(args: argparse.Namespace, assistant: Assistant) -> int:
    platforms = assistant.lti.platforms.platforms()
    if args.json:
        print(json.dumps([p.as_json() for p in platforms], indent=2))
        return EXIT_OK
    if not platforms:
        print("No LMS registered. Add one with `waypoint lti add-platform`.")
    for p in platforms:
        print(
            f"{p.id}. {p.issuer} client {p.client_id}; deployments {', '.join(p.deployments)}; "
            f"framework {p.framework_id or '-'}; keys {p.jwks_url}"
        )
    return EXIT_OK


def cmd_lti_rotate(args: argparse.Namespace, assistant: Assistant) -> int:
    kid = assistant.lti.keys.rotate()
    print(f"new tool key {kid}; the previous key stays published until the next rotation")
    return EXIT_OK


def cmd_lti_sync(args: argparse.Namespace, assistant: Assistant) -> int:
    viewer = assistant.access.viewer(args.user)
    assistant.access.require_roster(viewer)
    report = assistant.lti.sync_roster(args.class_id, viewer)
    print(json.dumps(report.as_json(), indent=2) if args.json else report.line())
    return EXIT_OK


def cmd_lti_grades(args: argparse.Namespace, assistant: Assistant) -> int:
    viewer = assistant.access.viewer(args.user)
    report = assistant.lti.post_grades(viewer, args.class_id)
    print(json.dumps(report.as_json(), indent=2) if args.json else report.line())
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, assistant: Assistant) -> int:
    s = assistant.settings
    api_port, ui_port = args.api_port or s.api.port, args.ui_port or s.ui_port
    # Create or migrate the learner database here, once, before two processes open it.
    assistant.learner_db.engine  # noqa: B018
    print(
        f"Waypoint: the app on http://{args.address}:{ui_port}, the API and LTI tool on "
        f"http://{args.address}:{api_port} (Ctrl+C stops both)"
    )
    from assistant.cli_ui import upload_limit_mb

    upload_mb = upload_limit_mb(s.max_upload_bytes, s.ingest.max_file_bytes)
    return run_together(serve_commands(args.address, ui_port, api_port, upload_mb))


def serve_commands(
    address: str, ui_port: int, api_port: int, upload_mb: int
) -> dict[str, list[str]]:
    """The two processes of `waypoint serve`: what `waypoint ui` and `waypoint api` run."""
    from assistant.cli_ui import streamlit_command

    return {
        "app": streamlit_command(ui_port, address, upload_mb),
        "api": [sys.executable, "-m", "assistant.cli", "api", "--host", address, "--port",
                str(api_port)],
    }  # fmt: skip


def run_together(commands: Mapping[str, list[str]], *, stop_seconds: float = STOP_SECONDS) -> int:
    """Start every command; when Ctrl+C or SIGTERM arrives, or one of them ends, stop the others
    (SIGTERM, then SIGKILL after `stop_seconds`) and wait for all. Exit code: 0 after a signal,
    else the code of the process that ended first (1 if it ended with 0)."""
    stop = threading.Event()

    def on_signal(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {
        number: signal.signal(number, on_signal) for number in (signal.SIGINT, signal.SIGTERM)
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in commands.items():
            # a session of its own: the terminal's Ctrl+C reaches this process only, which
            # then stops both in order
            processes[name] = subprocess.Popen(command, start_new_session=True)
        ended: tuple[str, int] | None = None
        while ended is None and not stop.is_set():
            for name, process in processes.items():
                code = process.poll()
                if code is not None:
                    ended = (name, code)
                    break
            stop.wait(0.2)
    finally:
        _stop_all(processes, stop_seconds)
        for number, handler in previous.items():
            signal.signal(number, handler)
    if ended is None:
        return EXIT_OK
    name, code = ended
    print(f"waypoint: {name} stopped (exit code {code}); stopped the others", file=sys.stderr)
    return code or 1


def _stop_all(processes: Mapping[str, subprocess.Popen[bytes]], stop_seconds: float) -> None:
    running = [p for p in processes.values() if p.poll() is None]
    for process in running:
        process.terminate()
    for process in running:
        try:
            process.wait(stop_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
