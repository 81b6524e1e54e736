"""The LTI 1.3 endpoints: OIDC login initiation, the launch, deep linking and the tool's keys.

They answer the LMS's browser inside its iframe. Nothing here sets or needs a cookie (the login's
state and nonce are kept in the database, the sign-in travels as a single-use hand-off token),
so launches work when the browser blocks or partitions third-party cookies. Pages the tool shows
in the frame (the deep-linking picker) allow framing by the platform's origins only
(`Content-Security-Policy: frame-ancestors`, never `X-Frame-Options`), are never cached, and
send no referrer. Refusals are short JSON errors; a launch ends in a 303 redirect to the app."""

from __future__ import annotations

import secrets
from html import escape
from urllib.parse import urlsplit

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from assistant.api.errors import error
from assistant.container import Assistant
from assistant.lti.deep_linking import DeepLinkAnswer, Picker
from assistant.lti.launch import LaunchError

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def frame_headers(
    origins: tuple[str, ...], *, script: str = "", form_action: str = "'self'"
) -> dict[str, str]:
    """The headers of a page shown inside the LMS's iframe."""
    policy = [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        " ".join(["frame-ancestors 'self'", *origins]),
        f"form-action {form_action}",
        "base-uri 'none'",
    ]
    if script:
        policy.append(f"script-src 'nonce-{script}'")
    return {**NO_STORE, "Content-Security-Policy": "; ".join(policy)}


def build_lti_router(assistant: Assistant) -> APIRouter:
    router = APIRouter(prefix="/lti", tags=["lti"])

    def launch_url(request: Request) -> str:
        base = assistant.settings.api.public_url
        if base:
            return base.rstrip("/") + "/lti/launch"
        return str(request.url_for("lti_launch"))

    async def params(request: Request) -> dict[str, str]:
        found = {k: v for k, v in request.query_params.items()}
        if request.method == "POST":
            form = await request.form()
            found.update({k: v for k, v in form.items() if isinstance(v, str)})
        return found

    @router.get("/login", summary="OIDC login initiation (GET)")
    async def login_get(request: Request) -> Response:
        return await login(request)

    @router.post("/login", summary="OIDC login initiation (POST)")
    async def login(request: Request) -> Response:
        given = await params(request)
        try:
            target = await run_in_threadpool(assistant.lti.login, given, launch_url(request))
        except LaunchError as exc:
            return error(exc.status, str(exc), NO_STORE)
        return RedirectResponse(target, status_code=302, headers=NO_STORE)

    @router.post(
        "/launch",
        name="lti_launch",
        summary="The launch: the platform posts id_token (resource link or deep linking)",
    )
    async def launch(request: Request, background: BackgroundTasks) -> Response:
        given = await params(request)
        try:
            landing = await run_in_threadpool(
                assistant.lti.launch, given.get("id_token", ""), given.get("state", "")
            )
        except LaunchError as exc:
            return error(exc.status, str(exc), NO_STORE)
        if landing.picker is not None:
            origins = assistant.lti.frame_origins(landing.platform)
            return HTMLResponse(
                picker_page(landing.picker, str(request.url_for("lti_deep_link"))),
                headers=frame_headers(origins),
            )
        if landing.sync_class is not None:
            background.add_task(assistant.lti.sync_after_launch, landing.sync_class)
        return RedirectResponse(landing.url, status_code=303, headers=NO_STORE)

    @router.post(
        "/deep-link",
        name="lti_deep_link",
        summary="Deep linking: the teacher's choice, answered with the signed "
        "LtiDeepLinkingResponse posted to the platform",
    )
    async def deep_link(request: Request) -> Response:
        form = await request.form()
        token = form.get("picker")
        chosen = [v for v in form.getlist("target") if isinstance(v, str)]
        try:
            answer = await run_in_threadpool(
                assistant.lti.deep_links.answer,
                token if isinstance(token, str) else "",
                chosen,
                launch_url(request),
            )
        except LaunchError as exc:
            return error(exc.status, str(exc), NO_STORE)
        nonce = secrets.token_urlsafe(16)
        parts = urlsplit(answer.return_url)
        target = f"{parts.scheme}://{parts.netloc}"
        return HTMLResponse(
            answer_page(answer, nonce),
            headers=frame_headers(
                assistant.lti.frame_origins(answer.platform), script=nonce, form_action=target
            ),
        )

    @router.get("/jwks.json", summary="The tool's public keys (JWKS)")
    def jwks() -> JSONResponse:
        return JSONResponse(assistant.lti.keys.public_jwks())

    return router


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;margin:1.5rem;max-width:44rem}}
label{{display:block;margin:.35rem 0}}button{{margin-top:1rem;padding:.4rem 1rem}}</style>
</head><body>{body}</body></html>"""


def picker_page(picker: Picker, action: str) -> str:
    kind = "checkbox" if picker.multiple else "radio"
    rows = "\n".join(
        f'<label><input type="{kind}" name="target" value="{escape(choice.target)}"'
        f"{' checked' if number == 0 else ''}> {escape(choice.title)}</label>"
        for number, choice in enumerate(picker.choices)
    )
    body = (
        f"<h1>Add Waypoint to {escape(picker.class_name)}</h1>"
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="picker" value="{escape(picker.token)}">'
        f"<fieldset><legend>Link to</legend>{rows}</fieldset>"
        '<button type="submit">Add link</button></form>'
    )
    return PAGE.format(title="Add Waypoint", body=body)


def answer_page(answer: DeepLinkAnswer, nonce: str) -> str:
    """Posts the signed answer to the platform at once (a button if scripts are off)."""
    body = (
        f'<form method="post" action="{escape(answer.return_url)}">'
        f'<input type="hidden" name="JWT" value="{escape(answer.jwt)}">'
        '<noscript><button type="submit">Return to the course</button></noscript></form>'
        f'<script nonce="{nonce}">document.forms[0].submit();</script>'
    )
    return PAGE.format(title="Returning to the course", body=body)
