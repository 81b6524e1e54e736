"""The /v1 endpoints. Each one calls the assistant's own services with the caller's viewer, so
the access policy decides and the audit log records, exactly as in the app and the CLI."""

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from itertools import chain
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from assistant.api.auth import Gate
from assistant.api.errors import ApiError, status_of
from assistant.app.chat_session import chat_role
from assistant.app.uploads import UploadTooLargeError, import_evidence_upload, safe_file_name
from assistant.chat.types import Answer, AskContext
from assistant.container import Assistant
from assistant.errors import WaypointError
from assistant.learners.tokens import Principal

CSV = {"text/csv": {"schema": {"type": "string"}}}


class AskRequest(BaseModel):
    question: str = Field(min_length=1, description="the question, as a person would ask it")
    learner_id: str | None = Field(default=None, description="the learner it is about")
    class_id: str | None = Field(default=None, description="the class it is about (teachers)")
    language: Literal["en", "es"] | None = Field(default=None, description="default: detected")
    role: Literal["student", "parent", "teacher"] | None = Field(
        default=None,
        description="service tokens only: whose general questions to answer (default teacher)",
    )


def build_router(assistant: Assistant, gate: Gate) -> APIRouter:
    router = APIRouter(prefix="/v1")

    def caller(authorization: Annotated[str | None, Header()] = None) -> Principal:
        return gate.principal(authorization)

    Caller = Annotated[Principal, Depends(caller)]

    @router.post(
        "/ask",
        summary="Ask a question: a cited answer (JSON), or server-sent events when the request "
        "accepts text/event-stream (events `piece` with text, then `answer`)",
    )
    def ask(body: AskRequest, who: Caller, request: Request) -> Any:
        context = _ask_context(body, who)
        # About a learner or a class: refused (and audited) as the pages refuse it, with a
        # status code, before any answer is composed.
        if body.learner_id:
            assistant.access.grant(who.viewer, [body.learner_id], purpose="ask")
        if body.class_id:
            assistant.access.require_class(who.viewer, body.class_id)
        pieces = assistant.chat.stream(body.question, context)
        first = next(pieces)  # errors before the answer starts keep their status code
        if "text/event-stream" in request.headers.get("accept", ""):
            return StreamingResponse(
                _events(chain([first], pieces)),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
            )
        final = next((p for p in chain([first], pieces) if isinstance(p, Answer)), None)
        assert final is not None
        return final.as_json()

    @router.get("/learners/{learner_id}/next-steps", summary="What a learner is ready for next")
    def next_steps(
        learner_id: str,
        who: Caller,
        framework: str | None = None,
        limit: Annotated[int | None, Query(ge=1, le=50)] = None,
        as_of: date | None = None,
        language: Literal["en", "es"] = "en",
    ) -> dict[str, object]:
        viewer = gate.learner_reader(who, learner_id)
        report = assistant.recommender.for_learner(
            viewer, learner_id, as_of=as_of, framework=framework, limit=limit, language=language
        )
        return report.as_json()

    @router.get("/learners/{learner_id}/progress", summary="A learner's levels and history")
    def progress(
        learner_id: str, who: Caller, language: Literal["en", "es"] = "en"
    ) -> dict[str, object]:
        viewer = gate.learner_reader(who, learner_id)
        found = assistant.progress.for_learner(viewer, learner_id, language=language)
        return {
            "learner": found.learner.as_json(),
            "frameworks": list(found.frameworks),
            "competencies": jsonable_encoder([asdict(item) for item in found.competencies]),
            "history": jsonable_encoder([asdict(point) for point in found.history]),
            "next_steps": found.next_steps.as_json(),
            "scale": jsonable_encoder([asdict(level) for level in found.scale]),
        }

    @router.get("/classes/{class_id}/report", summary="Levels, gaps, groups and tiers of a class")
    def class_report(class_id: str, who: Caller, as_of: date | None = None) -> dict[str, object]:
        viewer = gate.class_reader(who, class_id)
        return assistant.class_reports.for_class(viewer, class_id, as_of=as_of).as_json()

    @router.post(
        "/evidence",
        summary="Import an evidence CSV (all rows or none)",
        openapi_extra={"requestBody": {"content": CSV, "required": True}},
    )
    async def evidence(
        request: Request, who: Caller, background: BackgroundTasks, name: str = "evidence.csv"
    ) -> dict[str, object]:
        viewer = gate.scoped(who, "write:evidence", "record evidence")
        data = await request.body()
        limit = assistant.settings.max_upload_bytes
        report = await run_in_threadpool(
            import_evidence_upload, assistant.evidence_importer, viewer, name, data, limit=limit
        )
        if report.added and assistant.settings.lti.grade_passback:
            # the LMS gradebooks of the classes concerned, after the answer
            background.add_task(assistant.lti.grades_after_import, viewer, _learner_ids(data))
        return report.as_json()

    @router.post(
        "/roster",
        summary="Import a roster CSV, people or classes (all rows or none)",
        openapi_extra={"requestBody": {"content": CSV, "required": True}},
    )
    async def roster(request: Request, who: Caller, name: str = "roster.csv") -> dict[str, object]:
        viewer = gate.scoped(who, "admin", "change the roster")
        data = await request.body()
        return await run_in_threadpool(_import_roster, assistant, viewer, name, data)

    @router.get("/frameworks", summary="The competency frameworks learner features use")
    def frameworks(who: Caller) -> list[dict[str, object]]:
        return [
            {
                "identifier": fw.identifier,
                "title": fw.title,
                "version": fw.version,
                "language": fw.language,
                "items": len(fw.items),
            }
            for fw in assistant.catalog.frameworks
        ]

    return router


def _ask_context(body: AskRequest, who: Principal) -> AskContext:
    if who.is_service:
        if body.learner_id or body.class_id:
            raise ApiError(
                403,
                f"{who.viewer.user_id} may ask general questions only: a user's token asks "
                "about a learner or a class",
            )
        return AskContext(role=body.role or "teacher", language=body.language)
    if body.role is not None and body.role != who.viewer.role:
        raise ApiError(422, f"role: {who.viewer.user_id} is a {who.viewer.role}")
    role = chat_role(who.viewer.role)
    return AskContext(
        role=role,
        user_id=who.viewer.user_id,
        learner_id=body.learner_id,
        language=body.language,
        class_id=body.class_id,
    )


def _events(pieces: Iterator[str | Answer]) -> Iterator[str]:
    try:
        for piece in pieces:
            if isinstance(piece, Answer):
                yield _event("answer", piece.as_json())
            else:
                yield _event("piece", {"text": piece})
    except WaypointError as exc:
        yield _event("error", {"error": str(exc), "status": status_of(exc)})


def _event(kind: str, data: object) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _import_roster(assistant: Assistant, viewer: Any, name: str, data: bytes) -> dict[str, object]:
    """The roster importer on an uploaded file, kept under its own (safe) name."""
    clean = safe_file_name(name, "roster.csv")
    limit = assistant.settings.max_upload_bytes
    if len(data) > limit:
        raise UploadTooLargeError(
            f"{clean}: {len(data):,} bytes is over the upload limit of {limit:,} bytes"
        )
    with tempfile.TemporaryDirectory(prefix="waypoint-upload-") as folder:
        path = Path(folder) / clean
        path.write_bytes(data)
        return assistant.roster_importer.import_files([path], viewer).as_json()


def _learner_ids(data: bytes) -> set[str]:
    """The learner ids of an evidence CSV the importer has accepted."""
    text = data.decode("utf-8-sig", errors="replace")
    return {
        row["learner_id"].strip()
        for row in csv.DictReader(io.StringIO(text))
        if (row.get("learner_id") or "").strip()
    }
