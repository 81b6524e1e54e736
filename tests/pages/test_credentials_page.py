"""The learner's credentials on the progress page, through AppTest: none yet, then the issued
badge with its download (in Spanish). It came from tests/unit/test_credentials.py, which tests
issuing, verifying and revoking without a page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.container import Assistant
from assistant.learners.access import LOCAL_ADMIN
from tests.support_learners import credentials_school

CODE = "M.6.RP.1"


@pytest.fixture
def school(tmp_path: Path) -> Assistant:
    """A proficient on M.6.RP.1 by evidence (three 3s); B at 2 on it (as in tests/unit/
    test_credentials.py)."""
    return credentials_school(tmp_path, CODE)


def _credentials_page() -> None:
    from ui import resources
    from ui.views import progress_parts as parts

    assistant = resources.get_assistant()
    viewer = assistant.access.viewer("s1")
    parts.credentials(viewer, "A", resources.texts(), "es", key="badge")


def test_the_page_lists_the_learners_credentials_with_a_download(school: Assistant) -> None:
    from ui import resources

    resources.use(school)
    try:
        at = AppTest.from_function(_credentials_page, default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        assert [c.value for c in at.caption][-1] == "Todavía no hay credenciales."
        doc = json.loads(school.credentials.issue(school.access.viewer("t1"), "A", CODE).document)
        at.run()
        assert not at.exception, at.exception
        shown = " ".join(str(m.value) for m in at.markdown)
        assert "M\\.6\\.RP\\.1" in shown or CODE in shown
        (button,) = at.get("download_button")
        assert button.proto.label == "Descargar"
        assert doc["id"] in school.credentials.for_learner(LOCAL_ADMIN, "A")[0].document
    finally:
        resources._injected = None
