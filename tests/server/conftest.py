"""Server-mode tests: marked `server`; their results are reported at the end of the run."""

from __future__ import annotations

import pytest

from tests.servers import servers

__all__ = ["servers"]
_reported: list[str] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/server/" in str(item.fspath):
            item.add_marker(pytest.mark.server)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        _reported.extend(str(value) for name, value in report.user_properties if name == "server")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _reported:
        terminalreporter.write_line(line)
