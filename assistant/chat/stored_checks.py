"""The injection guard's verdicts on the texts of indexed sections, computed at ingest and stored
with the index (by a key of the text and of the checks, never the text), so that an answer cuts
the lead of a section this process has not seen without running the patterns again: the
retrieved sections' verdicts are looked up once per answer and remembered in memory.

A text with no stored verdict (a section indexed without them, or checks changed since) is
checked as before: stored verdicts make answers faster, never different."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence

from assistant.chat.guards import VERDICTS, looks_like_injection, verdict_key
from assistant.chat.leads import checked_texts

# The stored verdicts of these keys (those stored, by key).
CheckLookup = Callable[[Sequence[str]], dict[str, bool]]


def verdicts_at_ingest(bodies: Iterable[str]) -> dict[str, bool]:
    """The guard's verdict on every text of these section bodies an answer may check, by key."""
    return {
        verdict_key(text): looks_like_injection(text)
        for body in bodies
        for text in checked_texts(body)
    }


class StoredChecks:
    """The stored verdicts on the texts of the sections answers read, brought into memory once
    per section (the last `limit` sections are remembered as done)."""

    def __init__(self, lookup: CheckLookup, limit: int = 1024) -> None:
        self._lookup = lookup
        self._limit = limit
        self._done: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def recall(self, bodies: Iterable[str]) -> int:
        """Remember the stored verdicts on these section bodies' texts that are not in memory
        yet; returns how many were found."""
        new = []
        with self._lock:
            for body in dict.fromkeys(bodies):
                if body not in self._done:
                    new.append(body)
                self._done[body] = None
                self._done.move_to_end(body)
            while len(self._done) > self._limit:
                self._done.popitem(last=False)
        unknown = {
            verdict_key(text): text
            for body in new
            for text in checked_texts(body)
            if VERDICTS.get(text) is None
        }
        if not unknown:
            return 0
        found = self._lookup(list(unknown))
        VERDICTS.put({unknown[key]: flagged for key, flagged in found.items()})
        return len(found)
