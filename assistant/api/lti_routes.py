"""The LTI 1.3 endpoints: OIDC login initiation, the launch, and the tool's public keys.

They answer the LMS's browser (inside its iframe), so refusals are short JSON errors and the
launch ends in a 303 redirect to the app carrying only a single-use hand-off token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response

from assistant.api.errors import error
from assistant.container import Assistant
from assistant.lti.launch import LaunchError

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def build_lti_router(assistant: Assistant) -> APIRouter:
    router = APIRouter(prefix="/lti", tags=["lti"])

    def launch_url(request: Request) -> str:
        base = assistant.settings.api_public_url
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

    @router.post("/launch", name="lti_launch", summary="The launch: the platform posts id_token")
    async def launch(request: Request) -> Response:
        given = await params(request)
        try:
            landing = await run_in_threadpool(
                assistant.lti.launch, given.get("id_token", ""), given.get("state", "")
            )
        except LaunchError as exc:
            return error(exc.status, str(exc), NO_STORE)
        return RedirectResponse(landing.url, status_code=303, headers=NO_STORE)

    @router.get("/jwks.json", summary="The tool's public keys (JWKS)")
    def jwks() -> JSONResponse:
        return JSONResponse(assistant.lti.keys.public_jwks())

    return router
