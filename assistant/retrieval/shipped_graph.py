"""The int8 graph of the bundled model, shipped with Waypoint so a fresh install exports nothing.

`models/<model>-onnx-int8-r<recipe>.onnx` (in a wheel, `assistant/_bundled/models/`) with a
`.json` beside it: the graph's SHA-256, the export recipe, and the identity of the model files
it was exported from (`model_identity`). The int8 backend runs it in place when all three match
this install and the file (`usable`); otherwise (missing, damaged, another model or recipe) it
exports its own into `WAYPOINT_HOME/models` as before, which on this machine gives the same
bytes. `python -m evals.ship_vectors` writes it; `--check` verifies it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from pathlib import Path

from assistant.settings import bundled_path

SHIPPED_MODELS = bundled_path("models")
SMALL_FILE = 1 << 20  # model files up to this size are hashed whole; larger ones by size
log = logging.getLogger(__name__)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def model_identity(folder: Path) -> str:
    """A stable hash of a model folder: each file's path, and its content (its size for the
    weights, whose agreement the shipped vectors' probe texts check instead of reading 90 MB)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        size = path.stat().st_size
        digest.update(f"{path.relative_to(folder).as_posix()}\0{size}\0".encode())
        if size <= SMALL_FILE:
            digest.update(path.read_bytes())
    return digest.hexdigest()


def meta_file(graph: Path) -> Path:
    return graph.with_suffix(".json")


def write_meta(graph: Path, model_folder: Path, recipe: str) -> str:
    """Record what `graph` is (its hash, recipe and model) beside it. Returns its hash."""
    digest = file_sha256(graph)
    meta = {"sha256": digest, "recipe": recipe, "model": model_identity(model_folder)}
    meta_file(graph).write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", "utf-8")
    return digest


def mismatch(graph: Path, model_folder: Path, recipe: str) -> str:
    """Why the shipped `graph` cannot stand in for this install's export ('' when it can)."""
    try:
        meta = json.loads(meta_file(graph).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"{meta_file(graph).name} unreadable ({type(exc).__name__})"
    if not isinstance(meta, dict):
        return f"{meta_file(graph).name} is not a JSON object"
    if meta.get("recipe") != recipe:
        return f"{graph.name} was made by export recipe {meta.get('recipe')!r}, not {recipe!r}"
    if meta.get("model") != model_identity(model_folder):
        return f"{graph.name} was exported from other model files than {model_folder}"
    if not graph.is_file():
        return f"{graph.name} is missing"
    if file_sha256(graph) != meta.get("sha256"):
        return f"{graph.name} does not match its SHA-256 (damaged)"
    return ""


def usable(graph: Path, model_folder: Path, recipe: str) -> str | None:
    """The shipped graph's SHA-256 when it can be run as this install's int8 model, else None
    (the reason logged: the caller exports its own)."""
    if not meta_file(graph).is_file() and not graph.is_file():
        log.info("no shipped int8 graph in %s: exporting one", graph.parent)
        return None
    why = mismatch(graph, model_folder, recipe)
    if why:
        log.warning("shipped int8 graph set aside, exporting one instead: %s", why)
        return None
    return str(json.loads(meta_file(graph).read_text(encoding="utf-8"))["sha256"])
