"""Shared fixtures: the real bundled embedding model once per session, temp homes, no network."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.container import Assistant, build_assistant
from assistant.retrieval.embeddings import Embedder, make_embedder
from assistant.settings import BUNDLED_KNOWLEDGE, Settings

REPO = Path(__file__).resolve().parents[1]
CASE_SAMPLES = REPO / "tests" / "data" / "case"  # copies of ../shared/case-samples


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to reach beyond this machine."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address:
            host = str(address[0])
            try:
                allowed = ipaddress.ip_address(host).is_loopback
            except ValueError:
                allowed = host == "localhost"
            if not allowed:
                raise RuntimeError(f"test tried to reach {host}: the network is off limits")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def case_samples() -> Path:
    if not CASE_SAMPLES.is_dir():
        pytest.skip("tests/data/case is missing")
    return CASE_SAMPLES


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real bundled all-MiniLM-L6-v2, loaded once."""
    return make_embedder("all-MiniLM-L6-v2", batch_size=64)


def make_settings(home: Path, **overrides: Any) -> Settings:
    """Test settings for `home`. With WAYPOINT_TEST_BACKEND=server they point at the Chroma
    and PostgreSQL servers (tests/servers.py), with a collection and a database of this home's
    own, so tests stay isolated and reopening a home finds its index again."""
    if os.environ.get("WAYPOINT_TEST_BACKEND", "").strip().lower() == "server":
        from tests.servers import isolated_settings

        overrides = {**isolated_settings(home), **overrides}
    return Settings(profile="test", home=home, **overrides)


@pytest.fixture
def assistant(tmp_path: Path, embedder: Embedder) -> Iterator[Assistant]:
    built = build_assistant(make_settings(tmp_path / "home"), embedder=embedder)
    yield built
    built.records.close()


@pytest.fixture(scope="session")
def bundled_assistant(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, case_samples: Path
) -> Assistant:
    """One index of the bundled knowledge plus the shared CASE samples, built once."""
    home = tmp_path_factory.mktemp("bundled-home")
    built = build_assistant(make_settings(home), embedder=embedder)
    report = built.indexer.ingest([BUNDLED_KNOWLEDGE, case_samples])
    assert report.problems == [], report.problems
    return built


@pytest.fixture(scope="session")
def demo_assistant(bundled_assistant: Assistant) -> Assistant:
    """The bundled index plus the demo school loaded into the learner database."""
    from assistant.learners.access import LOCAL_ADMIN
    from assistant.learners.demo import load_demo

    load_demo(
        bundled_assistant.roster_importer,
        bundled_assistant.evidence_importer,
        bundled_assistant.overrides,
        LOCAL_ADMIN,
    )
    return bundled_assistant
