"""Simultaneous chat sessions against the real server on 127.0.0.1, each in its own browser
context (its own Streamlit session), signed in as different demo accounts and asking about a
different competency at the same time: no errors, no state leaking across sessions, and the
answer latency reported (p50/p95). Eight sessions: more than sign in at once (five), so people
queue, and all eight ask in the same moment. The test is about isolation and staying up, not
throughput: more sessions cost CI minutes and prove nothing more about either."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.container import Assistant
from tests.support_app_server import CHROMIUM_FLAGS, app_server, chromium

SESSIONS = 8


@pytest.fixture
def server(demo_assistant: Assistant, tmp_path: Path) -> Iterator[str]:
    with app_server(demo_assistant.settings.home, tmp_path) as url:
        yield url


def test_simultaneous_chat_sessions_keep_to_themselves(
    server: str, demo_assistant: Assistant, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright, expect

    accounts = [
        a for a in demo_assistant.directory.demo_accounts() if a.role in ("student", "teacher")
    ]
    codes = [
        entry.code for entry in demo_assistant.catalog.assessable() if entry.code.startswith("M.")
    ][:SESSIONS]
    assert len(codes) == SESSIONS
    executable = chromium()

    everyone_ready = asyncio.Event()
    ready: list[int] = []
    signing_in = asyncio.Semaphore(5)  # people arrive a few at a time; then all ask at once

    async def one(browser: object, number: int) -> dict[str, object]:
        account = accounts[number % len(accounts)]
        code = codes[number]
        context = await browser.new_context()  # type: ignore[attr-defined]
        context.set_default_timeout(180_000)
        page = await context.new_page()
        await signing_in.acquire()
        await page.goto(server, timeout=180_000, wait_until="domcontentloaded")
        await expect(page.get_by_text("Demo accounts")).to_be_visible(timeout=180_000)
        await page.get_by_role("button", name=account.name).click()
        box = page.get_by_test_id("stChatInputTextArea")
        await expect(box).to_be_visible(timeout=180_000)
        await box.fill(f"What does a 3 on {code} mean?")
        signing_in.release()
        ready.append(number)
        if len(ready) == SESSIONS:
            everyone_ready.set()
        await everyone_ready.wait()  # every session asks at the same moment
        asked = time.perf_counter()
        await box.press("Enter")
        answers = page.get_by_test_id("stChatMessage")
        await expect(answers).to_have_count(2, timeout=180_000)
        await expect(page.get_by_text("Sources (").first).to_be_visible(timeout=180_000)
        seconds = time.perf_counter() - asked
        texts = await answers.all_inner_texts()
        sidebar = await page.get_by_test_id("stSidebar").inner_text()
        errors = await page.get_by_test_id("stException").count()
        await context.close()
        return {
            "account": account.user_id,
            "name": account.name,
            "code": code,
            "question": texts[0],
            "answer": texts[1],
            "sidebar": sidebar,
            "errors": errors,
            "seconds": seconds,
        }

    async def warm_up(browser: object) -> None:
        """One visit first, as when a server is started before the school day: it prepares."""
        context = await browser.new_context()  # type: ignore[attr-defined]
        page = await context.new_page()
        await page.goto(server, timeout=180_000, wait_until="domcontentloaded")
        await page.get_by_role("button", name=accounts[0].name).click(timeout=180_000)
        await expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=300_000)
        await context.close()

    async def run() -> list[dict[str, object]]:
        async with async_playwright() as driver:
            browser = await driver.chromium.launch(
                executable_path=executable, args=CHROMIUM_FLAGS, headless=True
            )
            try:
                await warm_up(browser)
                return await asyncio.wait_for(
                    asyncio.gather(*(one(browser, n) for n in range(SESSIONS))), timeout=600
                )
            finally:
                await browser.close()

    results = asyncio.run(run())
    for result in results:
        assert result["errors"] == 0, result
        assert str(result["code"]) in str(result["question"]), result
        assert str(result["code"]) in str(result["answer"]), result  # its own answer
        assert str(result["name"]) in str(result["sidebar"]), result  # its own account
        others = [r["code"] for r in results if r is not result]
        assert not any(f"on {code} mean" in str(result["answer"]) for code in others)
    latencies = sorted(float(str(r["seconds"])) for r in results)
    figures = {
        "sessions": SESSIONS,
        "errors": 0,
        "leaks": 0,
        "p50_seconds": round(statistics.median(latencies), 3),
        "p95_seconds": round(latencies[int(0.95 * (len(latencies) - 1))], 3),
        "max_seconds": round(latencies[-1], 3),
    }
    (tmp_path / "load.json").write_text(json.dumps(figures, indent=2))
    print(f"\n{SESSIONS} simultaneous sessions: {figures}")
