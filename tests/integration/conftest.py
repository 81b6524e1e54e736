"""Integration tests: marked `integration`, and `stores` unless their file is listed below.

`stores` tests run twice in CI: against the embedded stores (Chroma in a folder, SQLite) and,
with `python3 -m pytest --backend=server`, against a Chroma server and PostgreSQL. A new
integration file is a `stores` suite unless it is named here with the reason it is not.
"""

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NOT_STORE_SUITES = {
    "test_load.py": "browsers on the app at once measure the Streamlit sessions, not the stores",
    "test_store_unavailable.py": "it damages the embedded store's files and starts (and kills) "
    "a Chroma server of its own, so it covers both configurations by itself",
    "test_answer_quality_gate.py": "it measures the answers (175 questions), not the stores",
    "test_retriever_contract.py": "it holds the fake retriever to the real one; the real side "
    "is the same code on both stores",
    "test_browser.py": "it checks what Chromium renders and requests; the app on the server "
    "stores is covered by the AppTest suite (test_app.py)",
    "test_browser_chrome.py": "as test_browser.py",
    "test_browser_roles.py": "as test_browser.py",
    "test_chat_engine.py": "it checks how answers are composed from what the retriever returns; "
    "the retriever on the server stores is covered by test_bundled_search.py, "
    "test_retrieval_quality.py, test_chat_learners.py and the app and CLI suites",
    "test_injections.py": "as test_chat_engine.py",
    "test_section_texts.py": "as test_chat_engine.py",
    "test_chat_llm.py": "as test_chat_engine.py",
    "test_app_poisoned.py": "it checks that planted markup is shown as text on every page; "
    "what the pages read from the server stores is covered by test_app.py",
    "test_wheel_install.py": "it checks what the wheel ships and finds; the stores are the same",
    "test_lazy_imports.py": "it checks which packages a fresh interpreter imports (two "
    "subprocesses); no store is written",
    "test_serve.py": "it is about two processes on the embedded stores (SQLite WAL, the ingest "
    "lock); a server database is shared by design",
    "test_lti.py": "it runs LTI launches against an LMS on loopback (tests/fakes/lms.py) with a "
    "fake embedder and no vector store (it came from tests/unit, which the server run leaves "
    "out)",
    "test_lti_advantage.py": "as test_lti.py",
    "test_embedder_keys.py": "it builds small embedded indexes (Chroma in a folder) with named "
    "fake embedders to check how vectors are keyed; it came from tests/unit, which the server "
    "run leaves out",
    "test_ingest_writes.py": "it counts the indexer's writes to a small embedded index (Chroma in "
    "a folder) with a fake embedder; it came from tests/unit, which the server run leaves out",
    "test_knowledge_files.py": "it indexes two guides (Chroma in a folder) with a fake embedder to "
    "check how the admin's list names them; it came from tests/unit",
    "test_migration_upgrades.py": "it upgrades SQLite files made at older revisions with "
    "Alembic; the server database is migrated by every `stores` suite (and tests/server); its "
    "tests came from tests/unit",
    "test_query_vectors.py": "it asks the chat over a small embedded index (Chroma in a folder) "
    "with a fake embedder and reads the home's embedding cache; it came from tests/unit",
    "test_shipped_graph.py": "it runs the shipped int8 graph of the real model (ONNX Runtime); no "
    "store is written; it came from tests/unit",
}

# Single tests of a `stores` suite left out of the server run, each for a reason.
NOT_STORE_TESTS = {
    "test_faults.py::test_ingest_killed_at_random_moments_converges_to_an_uninterrupted_run": (
        "the longest test (five killed ingests, several minutes): on the server stores a crash "
        "mid-write is covered by test_a_vector_written_just_before_a_crash_is_not_left_behind"
    ),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent != HERE:
            continue
        item.add_marker(pytest.mark.integration)
        test = f"{item.path.name}::{item.name.split('[')[0]}"
        if item.path.name not in NOT_STORE_SUITES and test not in NOT_STORE_TESTS:
            item.add_marker(pytest.mark.stores)
