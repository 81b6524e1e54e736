"""Errors as one line of JSON, `{"error": "..."}`, with the HTTP status that fits."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from assistant.app.uploads import UploadTooLargeError
from assistant.chat.guards import MessageRejectedError
from assistant.errors import (
    AccessDeniedError,
    CsvImportError,
    StoreUnavailableError,
    UnknownRecordError,
    WaypointError,
)


class ApiError(Exception):
    """An error of the API itself (no token, a scope missing, too many requests)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


STATUS: tuple[tuple[type[Exception], int], ...] = (
    (AccessDeniedError, 403),
    (UnknownRecordError, 404),
    (UploadTooLargeError, 413),
    (CsvImportError, 422),
    (MessageRejectedError, 422),
    (StoreUnavailableError, 503),
    (WaypointError, 422),
)


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": " ".join(message.split())}, status_code=status, headers=headers)


def status_of(exc: Exception) -> int:
    return next((status for kind, status in STATUS if isinstance(exc, kind)), 500)


def install(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        extra = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error(exc.status, exc.message, extra)

    async def waypoint_error(_: Request, exc: Exception) -> JSONResponse:
        return error(status_of(exc), str(exc))

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        message = "not found" if exc.status_code == 404 else str(exc.detail)
        return error(exc.status_code, message)

    async def invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in exc.errors()
        ]
        return error(422, "; ".join(problems) or "bad input")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(WaypointError, waypoint_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
