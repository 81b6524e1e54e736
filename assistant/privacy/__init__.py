"""Learner-data privacy: forgetting a learner completely and proving it, giving a learner or
parent everything held about them, and deleting old audit and feedback rows.

- subject.py: the words that name a learner (id, account, forms of the name), as patterns;
- forget.py: the one-transaction deletion and the redaction of mentions elsewhere;
- sqlite_files.py: the bytes on disk (secure_delete, checkpoint, VACUUM);
- proof.py: rows and raw bytes that still name the learner;
- export.py: everything about one learner as JSON and CSV (right of access);
- retention.py: audit and feedback retention;
- service.py: `PrivacyService`, which ties forgetting, proof and retention together.

Outside the learner database: the vector index holds only knowledge chunks written by
`waypoint ingest` (never learner data), and the embedding cache beside it only their vectors:
typed questions, which may name a learner, are embedded in memory and never written to disk.
"""

from assistant.privacy.export import LearnerExport, LearnerExporter
from assistant.privacy.forget import ForgetReport
from assistant.privacy.proof import (
    VECTOR_INDEX_NOTE,
    FileScan,
    ProofReport,
    TableScan,
)
from assistant.privacy.retention import RetentionReport
from assistant.privacy.service import FORGOTTEN_PREFIX, PrivacyService
from assistant.privacy.subject import REMOVED, phrase_pattern

__all__ = [
    "FORGOTTEN_PREFIX",
    "REMOVED",
    "VECTOR_INDEX_NOTE",
    "FileScan",
    "ForgetReport",
    "LearnerExport",
    "LearnerExporter",
    "PrivacyService",
    "ProofReport",
    "RetentionReport",
    "TableScan",
    "phrase_pattern",
]
