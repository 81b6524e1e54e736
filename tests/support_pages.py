"""Helpers for AppTest page tests: an assistant served to the app's pages as if prepared."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from assistant.app.bootstrap import Preparation, Status
from assistant.container import Assistant
from ui import resources


@contextmanager
def served(built: Assistant) -> Iterator[Assistant]:
    """The pages read `built` while the block runs, its preparation counted as started and done
    (no ingest, no model); afterwards the app builds its own again."""
    done = threading.Thread(target=lambda: None)
    done.start()
    done.join()
    ready = Preparation(_status=Status("knowledge", school_ready=True), _thread=done)
    resources._injected = (built, ready)
    try:
        yield built
    finally:
        resources._injected = None
