"""`waypoint api` (the HTTP API and LTI tool), `waypoint api token ...` and `waypoint lti ...`."""

from __future__ import annotations

import argparse
import json
from typing import Any

from assistant.container import Assistant

EXIT_OK = 0


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


def cmd_api(args: argparse.Namespace, assistant: Assistant) -> int:
    import uvicorn

    from assistant.api.app import create_app

    port = args.port or assistant.settings.api_port
    print(f"Waypoint API on http://{args.host}:{port} (OpenAPI: /openapi.json; Ctrl+C stops it)")
    uvicorn.run(create_app(assistant), host=args.host, port=port, log_level="warning")
    return EXIT_OK


def cmd_token_create(args: argparse.Namespace, assistant: Assistant) -> int:
    store = assistant.api_tokens
    if args.user:
        if args.scope or args.classes:
            from assistant.api.tokens import TokenError

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
