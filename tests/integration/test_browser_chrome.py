"""The app as `waypoint ui` starts it, from a folder without the repository's config: no
Deploy button or developer menu, no request that leaves this machine (page icon included),
and input that used to end in a traceback ends in a plain message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli_ui import upload_limit_mb
from assistant.container import Assistant
from tests.support_app_server import CHROMIUM_FLAGS, app_server, chromium


@pytest.fixture
def server(demo_assistant: Assistant, tmp_path: Path) -> Iterator[str]:
    with app_server(demo_assistant.settings.home, tmp_path) as url:
        yield url


def test_the_app_shows_no_developer_chrome_and_stays_on_this_machine(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    requests: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium(), args=CHROMIUM_FLAGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda request: requests.append(request.url))
        page.goto(server)
        expect(page.get_by_text("Demo accounts")).to_be_visible(timeout=120_000)
        icon = page.locator("link[rel~='icon']").first.get_attribute("href") or ""
        assert icon and "//" not in icon.split("?")[0].replace(server, ""), icon
        page.get_by_role("button", name="Maya Lindgren").click()
        box = page.get_by_test_id("stChatInputTextArea")
        expect(box).to_be_visible(timeout=180_000)
        box.fill("\u2060\u200b\ufeff")
        box.press("Enter")
        expect(page.get_by_text("That message has no words in it").first).to_be_visible(
            timeout=60_000
        )
        body = page.inner_text("body")
        assert "Traceback" not in body and "site-packages" not in body
        assert page.get_by_role("button", name="Deploy").count() == 0
        assert page.get_by_test_id("stMainMenu").count() == 0
        browser.close()
    outside = [url for url in requests if not url.startswith(("data:", "blob:", server))]
    assert outside == []


def test_the_upload_limit_covers_both_kinds_of_upload() -> None:
    assert upload_limit_mb(10 * 1024 * 1024, 20 * 1024 * 1024) == 20
    assert upload_limit_mb(10 * 1024 * 1024 + 1, 1024) == 11
