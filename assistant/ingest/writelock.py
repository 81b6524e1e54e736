"""One writer at a time for an embedded index: an exclusive lock on a file.

The lock is an flock(2) on an open file, so the kernel releases it when its holder dies, however
it dies (SIGKILL, power loss of the process, an exception): a lock file left behind by a killed
`waypoint ingest` never blocks the next run. The holder writes its process id into the file so
that a refusal, or a writer that waits for it, can say who holds it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from assistant.errors import WaypointError

POLL_SECONDS = 0.1


class WriteLock:
    """`wait`: block until the lock is free (with `timeout`, at most that many seconds);
    `on_wait` is told once, with the holder's process id if known, when it has to wait."""

    def __init__(
        self,
        path: Path,
        *,
        wait: bool = True,
        timeout: float | None = None,
        on_wait: Callable[[int | None], None] | None = None,
    ) -> None:
        self.path = path
        self.wait = wait
        self.timeout = timeout
        self.on_wait = on_wait
        self._fd: int | None = None

    def __enter__(self) -> WriteLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            self._acquire(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return self

    def _acquire(self, fd: int) -> None:
        if _try_lock(fd):
            return
        if not self.wait:
            raise self._busy()
        if self.on_wait is not None:
            self.on_wait(self.holder())
        if self.timeout is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            return
        deadline = time.monotonic() + self.timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise self._busy()
            time.sleep(POLL_SECONDS)

    def _busy(self) -> WaypointError:
        holder = self.holder()
        who = f"process {holder}" if holder else "another process"
        return WaypointError(f"{who} is writing the index (lock {self.path})")

    def holder(self) -> int | None:
        """The process id written by the current (or last) holder, if any."""
        try:
            text = self.path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() else None

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


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
