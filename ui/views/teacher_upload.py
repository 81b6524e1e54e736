"""The teacher page's evidence upload: a template to fill in, a preview of the first rows,
then an all-or-nothing import with every refused row named."""

from __future__ import annotations

import csv
import io

import streamlit as st

from assistant.app.identity import Account
from assistant.app.texts import UiTexts, plain
from assistant.app.uploads import import_evidence_upload, safe_file_name
from assistant.csv_safety import csv_text
from assistant.errors import CsvImportError, WaypointError
from assistant.frameworks.catalog import FrameworkCatalog
from assistant.recommend.class_report import ClassReport
from ui import resources, state
from ui.views.common import megabytes, table

UPLOADS = "evidence_uploads"  # a counter: a new uploader (an empty box) after an import
PREVIEW_ROWS = 5


def evidence_template(report: ClassReport, catalog: FrameworkCatalog) -> str:
    """A CSV to fill in: the columns, and one example row per learner of the class on its
    first competency (scores to replace)."""
    header = ["learner_id", "competency", "score", "observed_at", "max_score", "evidence_type"]
    code = report.competencies[0] if report.competencies else "M.6.RP.1"
    day = report.as_of.isoformat()
    rows = [[row.learner_id, code, "", day, "4", "quiz"] for row in report.matrix[:3]]
    return csv_text(rows, header)


def preview(data: bytes, limit: int = PREVIEW_ROWS) -> tuple[list[dict[str, str]], int]:
    """The first rows of an uploaded CSV and how many rows it has (nothing is written)."""
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    rows: list[dict[str, str]] = []
    count = 0
    for row in reader:
        count += 1
        if len(rows) < limit:
            rows.append({str(k): str(v or "") for k, v in row.items() if k is not None})
    return rows, count


def upload(who: Account, report: ClassReport, texts: UiTexts, language: str) -> None:
    assistant = resources.get_assistant()
    limit = assistant.settings.max_upload_bytes
    st.caption(texts.t("evidence_limits", language, mb=megabytes(limit)))
    st.download_button(
        texts.t("evidence_template", language),
        evidence_template(report, assistant.catalog),
        file_name="evidence-template.csv",
        mime="text/csv",
        icon=":material/download:",
        key="evidence_template",
    )
    generation = int(state.get(UPLOADS, 0))
    upload = st.file_uploader(
        texts.t("evidence_file", language),
        type=["csv"],
        key=f"evidence_{generation}" if generation else "evidence",
        max_upload_size=megabytes(limit),
    )
    if upload is None:
        return
    data = upload.getvalue()
    try:
        rows, count = preview(data)
    except (UnicodeDecodeError, csv.Error) as exc:
        st.error(texts.t("preview_failed", language, reason=plain(str(exc))))
        return
    st.markdown(f"**{texts.t('preview', language, shown=len(rows), rows=count)}**")
    st.dataframe(table(rows), hide_index=True, width="stretch")
    if not st.button(texts.t("import", language), key="import_evidence", type="primary"):
        return
    try:
        imported = import_evidence_upload(
            assistant.evidence_importer, who.viewer, upload.name, data, limit=limit
        )
    except CsvImportError as exc:
        st.error(
            texts.t(
                "import_refused",
                language,
                path=plain(safe_file_name(upload.name, "evidence.csv")),
            )
        )
        st.dataframe(
            table(
                [
                    {
                        texts.t("col_line", language): p.line,
                        texts.t("col_problem", language): p.reason,
                    }
                    for p in exc.problems
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    except WaypointError as exc:
        st.error(plain(str(exc)))
    else:
        st.success(
            texts.t(
                "imported",
                language,
                path=plain(str(imported.path)),
                added=imported.added,
                unchanged=imported.unchanged,
            )
        )
        state.put(UPLOADS, generation + 1)  # the next run shows an empty box
