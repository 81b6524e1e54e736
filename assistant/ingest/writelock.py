"""One writer at a time for an embedded index: an exclusive lock on a file."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from assistant.errors import WaypointError


class WriteLock:
    def __init__(self, path: Path, *, wait: bool = True) -> None:
        self.path = path
        self.wait = wait
        self._fd: int | None = None

    def __enter__(self) -> WriteLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        flags = fcntl.LOCK_EX if self.wait else fcntl.LOCK_EX | fcntl.LOCK_NB
        try:
            fcntl.flock(self._fd, flags)
        except BlockingIOError as exc:
            os.close(self._fd)
            self._fd = None
            raise WaypointError(f"another process is writing the index ({self.path})") from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
