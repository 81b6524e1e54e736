"""The ASGI app of `waypoint api`: the /v1 HTTP API and the LTI 1.3 tool over one Assistant."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from assistant import __version__
from assistant.api import errors
from assistant.api.auth import Gate
from assistant.api.limits import BodyLimit, TokenBuckets
from assistant.api.lti_routes import build_lti_router
from assistant.api.routes import build_router
from assistant.container import Assistant

DESCRIPTION = (
    "Waypoint's HTTP API. Every call needs `Authorization: Bearer <token>` (created with "
    "`waypoint api token create`); a user's token acts as that user under the access policy, "
    'a service account\'s token within its scopes. Errors are `{"error": "..."}`.'
)


def create_app(assistant: Assistant, *, buckets: TokenBuckets | None = None) -> Any:
    """The app (wrapped in the request-size limit). `buckets`: tests pass their own clock."""
    s = assistant.settings
    app = FastAPI(title="Waypoint", version=__version__, description=DESCRIPTION)
    app.state.assistant = assistant
    gate = Gate(
        assistant.api_tokens,
        buckets or TokenBuckets(s.api.rate_per_minute, s.api.rate_burst),
        assistant.learner_db,
        assistant.audit,
    )
    errors.install(app)
    app.include_router(build_router(assistant, gate))
    app.include_router(build_lti_router(assistant))
    return BodyLimit(app, s.api.max_request_bytes)
