"""End to end in a real browser: the real Streamlit server on 127.0.0.1, Debian's Chromium driven
headless by Playwright, through sign-in and a question. Saves screenshots (to the test's temp
folder, and to $WAYPOINT_SCREENSHOTS when set: that is how the README's pictures are made)."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.container import Assistant
from assistant.settings import BUNDLED_KNOWLEDGE
from tests.support_app_server import CHROMIUM_FLAGS, app_server, chromium


@pytest.fixture
def server(demo_assistant: Assistant, tmp_path: Path) -> Iterator[str]:
    with app_server(demo_assistant.settings.home, tmp_path) as url:
        yield url


def test_sign_in_and_ask_in_a_real_browser(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    executable = chromium()
    shots = [tmp_path]
    if os.environ.get("WAYPOINT_SCREENSHOTS"):
        shots.append(Path(os.environ["WAYPOINT_SCREENSHOTS"]))
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server)
        expect(page.get_by_text("Demo accounts")).to_be_visible(timeout=120_000)
        page.get_by_role("button", name="Maya Lindgren").click()
        box = page.get_by_test_id("stChatInputTextArea")
        expect(box).to_be_visible(timeout=180_000)
        box.fill("What should I work on next?")
        box.press("Enter")
        expect(page.get_by_text("Your next step").first).to_be_visible(timeout=120_000)
        expect(page.get_by_text("Sources (").first).to_be_visible(timeout=30_000)
        page.get_by_text("Next steps (").first.click()
        page.wait_for_timeout(500)
        for folder in shots:
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / "chat.png"), full_page=True)
        assert (tmp_path / "chat.png").stat().st_size > 20_000

        # a teacher's class view, in the same real server
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_text("Demo accounts")).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="Amara Okafor").click()
        page.get_by_role("link", name="Classes").click()
        expect(page.get_by_text("6A: Grade 6 Mathematics, Section A").first).to_be_visible(
            timeout=60_000
        )
        chart = page.locator(
            "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"
        )
        expect(chart.first).to_be_visible(timeout=60_000)
        page.wait_for_timeout(1000)  # let the heat map finish drawing
        for folder in shots:
            page.screenshot(path=str(folder / "teacher.png"), full_page=True)
        browser.close()


# A poisoned guide ------------------------------------------------------------------------
class _Outside(BaseHTTPRequestHandler):
    """Stands in for a host on the internet: every request it gets is written down."""

    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"recorded")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def outside() -> Iterator[tuple[int, list[str]]]:
    """A tiny HTTP server on a free loopback port, and the paths requested from it."""
    seen: list[str] = []
    handler = type("Recorder", (_Outside,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1]), seen
    server.shutdown()
    server.server_close()


def poisoned_guide(host: str) -> str:
    """A student guide on rating yourself whose title, heading and text try to load images
    from `host`: nested and escaped brackets, raw HTML, autolinks, a linked image."""
    title = f"Rating yourself ![a [b] c]({host}/t1.png) ![a\\]b]({host}/t2.png)"
    return f"""---
title: {json.dumps(title)}
audience: students
topic: self-assessment
language: en
---
# Rating yourself

## On a skill ![x [y] z]({host}/h1.png) <img src="{host}/h2.png"> <http:{host}/h3.png>

Rating yourself on a skill means comparing your own work with the level descriptions of the skill.
Find the "I can" statement you can honestly say, and point to a piece of work that shows it.
When you rate yourself, be honest: a 2 now is a step on the way to a 3 later.

![p [q] r]({host}/b1.png) <img src={host}/b2.png> [![i]({host}/b3.png)]({host}/b4) http:{host}/b5
"""


def test_a_poisoned_guide_makes_the_browser_fetch_nothing(
    outside: tuple[int, list[str]], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    port, seen = outside
    knowledge = tmp_path / "knowledge"
    for part in ("frameworks", "demo"):
        shutil.copytree(BUNDLED_KNOWLEDGE / part, knowledge / part)
    guides = knowledge / "guides" / "students"
    guides.mkdir(parents=True)
    (guides / "rating-yourself.en.md").write_text(poisoned_guide(f"//127.0.0.1:{port}"))
    executable = chromium()
    with (
        app_server(tmp_path / "home", tmp_path, WAYPOINT_KNOWLEDGE_DIR=str(knowledge)) as url,
        sync_playwright() as driver,
    ):
        browser = driver.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        expect(page.get_by_text("Demo accounts")).to_be_visible(timeout=120_000)
        page.get_by_role("button", name="Maya Lindgren").click()
        box = page.get_by_test_id("stChatInputTextArea")
        expect(box).to_be_visible(timeout=240_000)
        box.fill("How do I rate myself on a skill?")
        box.press("Enter")
        expect(page.get_by_text("comparing your own work").first).to_be_visible(timeout=120_000)
        page.get_by_text("Sources (").first.click()
        expect(page.get_by_text("› Rating yourself").first).to_be_visible()
        outside_host = f"127.0.0.1:{port}"
        assert page.locator(f"img[src*='{outside_host}']").count() == 0
        assert page.locator(f"a[href*='{outside_host}']").count() == 0
        page.wait_for_load_state("networkidle")
        assert seen == [], seen
        # the guide's title and heading are on the page, as the text they are
        expect(page.get_by_text("Rating yourself ![a [b] c]").first).to_be_visible()
        expect(page.get_by_text("<img src=").first).to_be_visible()
        # the stand-in host does answer this browser: a request would have been recorded
        page.goto(f"http://{outside_host}/control")
        assert [path for path in seen if path != "/favicon.ico"] == ["/control"]  # the page's own
        browser.close()
