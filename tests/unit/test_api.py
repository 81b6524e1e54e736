"""`waypoint api`: every /v1 endpoint through the real ASGI app, with user and service tokens,
each scope and each refusal; the access policy decides and the audit log records."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from assistant.api.app import create_app
from assistant.api.limits import TokenBuckets
from assistant.cli import main
from assistant.container import Assistant
from assistant.learners.db import AuditRow, Evidence
from assistant.learners.db_connect import ApiToken
from tests.fakes.engine import demo_school
from tests.fakes.retriever import FakeRetriever

EVIDENCE_HEADER = "learner_id,competency,score,observed_at,max_score,evidence_type,source,note\n"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def school(
    tmp_path_factory: pytest.TempPathFactory, fake_retriever: FakeRetriever
) -> Iterator[Assistant]:
    built = demo_school(tmp_path_factory.mktemp("api") / "home", fake_retriever)
    yield built
    built.learner_db.dispose()


@pytest.fixture(scope="module")
def tokens(school: Assistant) -> dict[str, str]:
    store = school.api_tokens
    return {
        "teacher": store.create_for_user("t.okafor")[1],
        "student": store.create_for_user("stu.L001")[1],
        "admin": store.create_for_user("admin.reyes")[1],
        "reader_6a": store.create_for_service("sis-6a", ["read:learners"], ["6A"])[1],
        "reader": store.create_for_service("warehouse", ["read:learners"])[1],
        "writer": store.create_for_service("gradebook", ["write:evidence"])[1],
        "sis": store.create_for_service("sis", ["admin"])[1],
    }


@pytest.fixture
def client(school: Assistant) -> Iterator[TestClient]:
    with TestClient(create_app(school)) as found:
        yield found


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def refused_rows(school: Assistant, user_id: str) -> int:
    with school.learner_db.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditRow)
                .where(AuditRow.user_id == user_id, AuditRow.action == "refused")
            )
            or 0
        )


def evidence_count(school: Assistant) -> int:
    with school.learner_db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Evidence)) or 0)


def one_line_error(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    assert list(body) == ["error"] and "\n" not in body["error"], body
    return str(body["error"])


def test_the_openapi_schema_lists_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/v1/ask",
        "/v1/learners/{learner_id}/next-steps",
        "/v1/learners/{learner_id}/progress",
        "/v1/classes/{class_id}/report",
        "/v1/evidence",
        "/v1/roster",
        "/v1/frameworks",
        "/lti/login",
        "/lti/launch",
        "/lti/jwks.json",
    } <= set(paths)
    assert "text/csv" in paths["/v1/evidence"]["post"]["requestBody"]["content"]


def test_no_token_or_a_bad_or_revoked_one_is_401(
    client: TestClient, school: Assistant, tokens: dict[str, str]
) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, auth("wp_made-up")):
        response = client.get("/v1/frameworks", headers=headers)
        assert response.status_code == 401
        assert "token" in one_line_error(response)
    token_id, secret = school.api_tokens.create_for_user("t.mensah")
    assert client.get("/v1/frameworks", headers=auth(secret)).status_code == 200
    school.api_tokens.revoke(token_id)
    assert client.get("/v1/frameworks", headers=auth(secret)).status_code == 401


def test_tokens_are_stored_hashed_and_never_listed(
    school: Assistant, tokens: dict[str, str]
) -> None:
    with school.learner_db.session() as session:
        stored = " ".join(
            f"{row.id} {row.secret_sha256}" for row in session.scalars(select(ApiToken))
        )
    assert all(secret not in stored for secret in tokens.values())
    listed = json.dumps([t.as_json() for t in school.api_tokens.tokens()])
    assert all(secret not in listed for secret in tokens.values())


def test_a_user_token_reads_what_the_user_may_see(
    client: TestClient, school: Assistant, tokens: dict[str, str]
) -> None:
    teacher = auth(tokens["teacher"])
    steps = client.get("/v1/learners/L001/next-steps", headers=teacher)
    assert steps.status_code == 200 and steps.json()["learner"]["id"] == "L001"
    progress = client.get("/v1/learners/L001/progress?language=es", headers=teacher)
    assert progress.status_code == 200
    assert progress.json()["learner"]["id"] == "L001" and progress.json()["competencies"]
    report = client.get("/v1/classes/6A/report", headers=teacher)
    assert report.status_code == 200 and report.json()["class"]["id"] == "6A"
    # the same refusals as the app, recorded in the audit log
    before = refused_rows(school, "t.okafor")
    hidden = client.get("/v1/learners/L043/progress", headers=teacher)
    assert hidden.status_code == 403 and "L043" in one_line_error(hidden)
    assert client.get("/v1/classes/7A/report", headers=teacher).status_code == 403
    assert refused_rows(school, "t.okafor") == before + 2
    own = client.get("/v1/learners/L001/progress", headers=auth(tokens["student"]))
    assert own.status_code == 200
    other = client.get("/v1/learners/L002/next-steps", headers=auth(tokens["student"]))
    assert other.status_code == 403
    unknown = client.get("/v1/learners/NOBODY/progress", headers=auth(tokens["admin"]))
    assert unknown.status_code == 404 and "NOBODY" in one_line_error(unknown)
    bad = client.get("/v1/learners/L001/next-steps?limit=99", headers=teacher)
    assert bad.status_code == 422 and "limit" in one_line_error(bad)


def test_service_scopes_and_classes(
    client: TestClient, school: Assistant, tokens: dict[str, str]
) -> None:
    limited = auth(tokens["reader_6a"])
    assert client.get("/v1/learners/L001/next-steps", headers=limited).status_code == 200
    assert client.get("/v1/classes/6A/report", headers=limited).status_code == 200
    before = refused_rows(school, "service:sis-6a")
    outside = client.get("/v1/learners/L043/progress", headers=limited)
    assert outside.status_code == 403 and "service:sis-6a" in one_line_error(outside)
    assert client.get("/v1/classes/7A/report", headers=limited).status_code == 403
    assert refused_rows(school, "service:sis-6a") == before + 2
    school_wide = auth(tokens["reader"])
    assert client.get("/v1/learners/L043/progress", headers=school_wide).status_code == 200
    with school.learner_db.session() as session:
        viewed = session.scalar(
            select(func.count())
            .select_from(AuditRow)
            .where(
                AuditRow.user_id == "service:warehouse",
                AuditRow.action == "view",
                AuditRow.learner_id == "L043",
            )
        )
    assert viewed  # the service's reads are audited under its own name
    writer = auth(tokens["writer"])
    assert client.get("/v1/learners/L001/progress", headers=writer).status_code == 403
    assert client.get("/v1/classes/6A/report", headers=writer).status_code == 403
    denied = client.post("/v1/roster", content="user_id,role,name\n", headers=writer)
    assert denied.status_code == 403 and "admin" in one_line_error(denied)
    evidence = client.post("/v1/evidence", content=EVIDENCE_HEADER, headers=limited)
    assert evidence.status_code == 403 and "write:evidence" in one_line_error(evidence)


def test_evidence_import_all_or_nothing(
    client: TestClient, school: Assistant, tokens: dict[str, str]
) -> None:
    before = evidence_count(school)
    bad = EVIDENCE_HEADER + "L001,M.6.RP.1,3,2026-10-01,,quiz,api,\nL001,NOPE,3,2026-10-01,,,,\n"
    refused = client.post(
        "/v1/evidence?name=week.csv",
        content=bad,
        headers={**auth(tokens["writer"]), "Content-Type": "text/csv"},
    )
    assert refused.status_code == 422
    message = one_line_error(refused)
    assert "week.csv" in message and "line 3" in message and "nothing imported" in message
    assert evidence_count(school) == before
    good = EVIDENCE_HEADER + "L001,M.6.RP.1,3,2026-10-01,,quiz,api,\n"
    done = client.post("/v1/evidence", content=good, headers=auth(tokens["writer"]))
    assert done.status_code == 200 and done.json()["added"] == 1
    assert evidence_count(school) == before + 1
    # a teacher's token records for their own learners only, as in the app
    other = EVIDENCE_HEADER + "L043,M.6.RP.1,3,2026-10-01,,quiz,api,\n"
    denied = client.post("/v1/evidence", content=other, headers=auth(tokens["teacher"]))
    assert denied.status_code in (403, 422) and "L043" in one_line_error(denied)
    assert (
        client.post("/v1/evidence", content=good, headers=auth(tokens["student"])).status_code
        == 403
    )
    assert evidence_count(school) == before + 1


def test_roster_import_needs_admin(
    client: TestClient, school: Assistant, tokens: dict[str, str]
) -> None:
    people = (
        "user_id,role,name,learner_id,grade,classes,children\nt.new,teacher,New Teacher,,,6A,\n"
    )
    assert (
        client.post("/v1/roster", content=people, headers=auth(tokens["teacher"])).status_code
        == 403
    )
    done = client.post("/v1/roster?name=people.csv", content=people, headers=auth(tokens["sis"]))
    assert done.status_code == 200 and done.json()["people"] == 1
    assert school.access.viewer("t.new").role == "teacher"
    broken = "user_id,role,name,learner_id,grade,classes,children\nx,wizard,X,,,,\n"
    refused = client.post("/v1/roster", content=broken, headers=auth(tokens["admin"]))
    assert refused.status_code == 422 and "line 2" in one_line_error(refused)


def test_frameworks(client: TestClient, tokens: dict[str, str]) -> None:
    found = client.get("/v1/frameworks", headers=auth(tokens["writer"]))
    assert found.status_code == 200
    assert any("Mathematics" in fw["title"] for fw in found.json())


def test_ask_as_json_and_as_server_sent_events(client: TestClient, tokens: dict[str, str]) -> None:
    body = {"question": "What is competency-based education?"}
    answer = client.post("/v1/ask", json=body, headers=auth(tokens["teacher"]))
    assert answer.status_code == 200 and answer.json()["answer"]
    with client.stream(
        "POST",
        "/v1/ask",
        json=body,
        headers={**auth(tokens["teacher"]), "Accept": "text/event-stream"},
    ) as streamed:
        assert streamed.status_code == 200
        assert streamed.headers["content-type"].startswith("text/event-stream")
        text = "".join(streamed.iter_text())
    events = [block for block in text.split("\n\n") if block]
    kinds = [block.split("\n")[0] for block in events]
    assert kinds[-1] == "event: answer" and set(kinds[:-1]) == {"event: piece"}
    final = json.loads(events[-1].split("data: ", 1)[1])
    pieces = "".join(json.loads(e.split("data: ", 1)[1])["text"] for e in events[:-1])
    assert pieces.split() == final["answer"].split() and "citations" in final
    # about a learner: the policy decides, with the status before the stream starts
    mine = {"question": "What should Maya work on next?", "learner_id": "L001"}
    assert client.post("/v1/ask", json=mine, headers=auth(tokens["teacher"])).status_code == 200
    hidden = {"question": "How is this learner doing?", "learner_id": "L043"}
    refused = client.post(
        "/v1/ask",
        json=hidden,
        headers={**auth(tokens["teacher"]), "Accept": "text/event-stream"},
    )
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/json"
    service = client.post("/v1/ask", json=mine, headers=auth(tokens["reader"]))
    assert service.status_code == 403
    general = client.post("/v1/ask", json=body, headers=auth(tokens["reader"]))
    assert general.status_code == 200
    missing = client.post("/v1/ask", json={}, headers=auth(tokens["teacher"]))
    assert missing.status_code == 422 and "question" in one_line_error(missing)


def test_request_size_and_rate_limits(school: Assistant, tokens: dict[str, str]) -> None:
    clock = Clock()
    app = create_app(school, buckets=TokenBuckets(per_minute=60, burst=2, clock=clock))
    with TestClient(app) as client:
        headers = auth(tokens["admin"])
        assert client.get("/v1/frameworks", headers=headers).status_code == 200
        assert client.get("/v1/frameworks", headers=headers).status_code == 200
        limited = client.get("/v1/frameworks", headers=headers)
        assert limited.status_code == 429 and "too many" in one_line_error(limited)
        other = client.get("/v1/frameworks", headers=auth(tokens["writer"]))
        assert other.status_code == 200  # per token
        clock.now += 1.0  # one request a second comes back
        assert client.get("/v1/frameworks", headers=headers).status_code == 200
        huge = "x" * (school.settings.api.max_request_bytes + 1)
        before = evidence_count(school)
        refused = client.post("/v1/evidence", content=huge, headers=auth(tokens["writer"]))
        assert refused.status_code == 413 and "limit" in one_line_error(refused)
        assert evidence_count(school) == before
        assert client.get("/v1/nowhere", headers=headers).status_code == 404


def test_token_commands(school: Assistant, capsys: pytest.CaptureFixture[str]) -> None:
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv), make_assistant=lambda: school)
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("api", "token", "create", "--user", "t.mensah", "--json")
    created = json.loads(out)
    assert code == 0 and created["token"].startswith("wp_")
    code, out, _ = run(
        "api",
        "token",
        "create",
        "--service",
        "sync",
        "--scope",
        "read:learners",
        "--classes",
        "6A,6B",
    )
    assert code == 0 and "shown once" in out
    code, out, _ = run("api", "token", "list")
    assert created["id"] in out and "service sync  read:learners in 6A,6B" in out
    assert created["token"] not in out
    code, out, _ = run("api", "token", "revoke", created["id"])
    assert code == 0 and school.api_tokens.authenticate(created["token"]) is None
    for argv, words in (
        (("api", "token", "create", "--user", "nobody"), "unknown user"),
        (("api", "token", "create", "--service", "x", "--scope", "root"), "unknown scope"),
        (
            (
                "api",
                "token",
                "create",
                "--service",
                "x",
                "--scope",
                "read:learners",
                "--classes",
                "9Z",
            ),
            "unknown class",
        ),
        (("api", "token", "revoke", "tok_missing"), "unknown token"),
    ):
        code, _, err = run(*argv)
        assert code == 1 and words in err and err.count("\n") == 1, err


def test_waypoint_api_serves_over_http(school: Assistant, tokens: dict[str, str]) -> None:
    import socket
    import threading

    import httpx
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(school), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            thread.join(0.05)
            assert thread.is_alive()
        found = httpx.get(
            f"http://127.0.0.1:{port}/v1/frameworks", headers=auth(tokens["admin"]), timeout=30
        )
        assert found.status_code == 200 and found.json()
    finally:
        server.should_exit = True
        thread.join(30)
