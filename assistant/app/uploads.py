"""Evidence uploaded from the app: size-checked, imported all-or-nothing by the real importer."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from assistant.errors import WaypointError
from assistant.imports.evidence import EvidenceImporter, ImportReport
from assistant.learners.access import Viewer

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 100  # characters of an uploaded file's name kept (file systems stop at 255 bytes)


def safe_file_name(name: str, default: str) -> str:
    """An uploaded file's name made safe to store: its last path part, letters, digits and
    `._-` only, at most MAX_NAME characters with its extension kept; `default` if nothing is
    left."""
    clean = SAFE_NAME.sub("-", Path(name.replace("\\", "/")).name).strip(".-")
    if len(clean) > MAX_NAME:
        suffix = Path(clean).suffix[:10]
        clean = clean[: MAX_NAME - len(suffix)].rstrip(".-") + suffix
    return clean or default


class UploadTooLargeError(WaypointError):
    """An upload over the size limit; refused before it is parsed."""


def import_evidence_upload(
    importer: EvidenceImporter, viewer: Viewer, name: str, data: bytes, *, limit: int
) -> ImportReport:
    """Import an uploaded evidence CSV. Every bad row is reported (CsvImportError) and then
    nothing is written; the file's own name is kept so messages and records name it."""
    clean = safe_file_name(name, "evidence.csv")
    if len(data) > limit:
        raise UploadTooLargeError(
            f"{clean}: {len(data):,} bytes is over the upload limit of {limit:,} bytes"
        )
    with tempfile.TemporaryDirectory(prefix="waypoint-upload-") as folder:
        path = Path(folder) / clean
        path.write_bytes(data)
        return importer.import_file(path, viewer)
