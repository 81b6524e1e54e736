"""The tool's RSA signing keys: a JWK set in a file under WAYPOINT_HOME (mode 0600), created on
first use. Rotation adds a new key and keeps the previous one published, so a platform that
cached the old set still verifies; older ones are dropped."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from joserfc.jwk import KeySet, RSAKey

KEEP = 2  # the current key and the one before it


class ToolKeys:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _load(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            self._save([_new_key()])
        data = json.loads(self.path.read_text(encoding="utf-8"))
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, list) or not keys:
            raise ValueError(f"{self.path}: no keys (remove it to create a new one)")
        return keys

    def _save(self, keys: list[dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"keys": keys}, handle)
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)

    def current(self) -> RSAKey:
        with self._lock:
            key = RSAKey.import_key(self._load()[0])
        return key

    def key_set(self) -> KeySet:
        with self._lock:
            return KeySet([RSAKey.import_key(k) for k in self._load()])

    def public_jwks(self) -> dict[str, object]:
        """What the tool's JWKS endpoint serves: the public halves only."""
        return {"keys": [key.as_dict(private=False) for key in self.key_set().keys]}

    def rotate(self) -> str:
        """A new current key; returns its kid."""
        with self._lock:
            keys = [_new_key(), *self._load()][:KEEP]
            self._save(keys)
            return str(keys[0]["kid"])


def _new_key() -> dict[str, Any]:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True)
    key.ensure_kid()
    return dict(key.as_dict(private=True))
