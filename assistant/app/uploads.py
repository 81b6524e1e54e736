"""Evidence uploaded from the app: size-checked, imported all-or-nothing by the real importer."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from assistant.errors import WaypointError
from assistant.learners.access import Viewer
from assistant.learners.csv_import import EvidenceImporter, ImportReport

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class UploadTooLargeError(WaypointError):
    """An upload over the size limit; refused before it is parsed."""


def import_evidence_upload(
    importer: EvidenceImporter, viewer: Viewer, name: str, data: bytes, *, limit: int
) -> ImportReport:
    """Import an uploaded evidence CSV. Every bad row is reported (CsvImportError) and then
    nothing is written; the file's own name is kept so messages and records name it."""
    if len(data) > limit:
        raise UploadTooLargeError(
            f"{name}: {len(data):,} bytes is over the upload limit of {limit:,} bytes"
        )
    clean = SAFE_NAME.sub("-", Path(name).name).strip(".-") or "evidence.csv"
    with tempfile.TemporaryDirectory(prefix="waypoint-upload-") as folder:
        path = Path(folder) / clean
        path.write_bytes(data)
        return importer.import_file(path, viewer)
