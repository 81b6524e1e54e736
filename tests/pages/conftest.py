"""Page tests: marked `pages`. Each runs whole Streamlit pages through AppTest over a small
school in SQLite or the demo school over the fakes (no model, no vector store); the pure
functions of the pages are tested beside them, and test_equity_privacy follows the learners'
attributes from the pages on to chat, prompts and exports. `python3 -m pytest tests/pages`
runs them."""

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/pages/" in str(item.fspath):
            item.add_marker(pytest.mark.pages)
