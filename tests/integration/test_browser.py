"""End to end in a real browser: the real Streamlit server on 127.0.0.1, Debian's Chromium driven
headless by Playwright, through sign-in and a question. Saves screenshots (to the test's temp
folder, and to $WAYPOINT_SCREENSHOTS when set: that is how the README's pictures are made)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.container import Assistant
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
        expect(page.get_by_text("Here are your next steps").first).to_be_visible(timeout=120_000)
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
