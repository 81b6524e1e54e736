"""Fuzz tests: marked `fuzz`; the Hypothesis profiles live in tests/fuzz/support.py."""

import pytest

import tests.fuzz.support  # noqa: F401 - registers the Hypothesis profiles


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/fuzz/" in str(item.fspath):
            item.add_marker(pytest.mark.fuzz)
