"""Every role's main page in a real browser: one Streamlit server, Debian's Chromium through
Playwright, at 1280x900 (a laptop) and 390x844 (a phone). Each page is checked with axe-core
(the copy the `axe-playwright-python` package ships; nothing is downloaded) and must have no
serious or critical violation. The session survives a refresh and an address typed in.

The README's screenshots are made by the same run:
    WAYPOINT_SCREENSHOTS=docs/images python3 -m pytest tests/integration/test_browser_roles.py
(without the variable they go to the test's temp folder only)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assistant.container import Assistant
from tests.support_app_server import CHROMIUM_FLAGS, app_server, chromium

LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
BAD = ("serious", "critical")


@dataclass(frozen=True)
class Visit:
    account: str  # the demo account's button
    path: str  # the page's address
    heading: str  # text the page shows when it is there
    shot: str  # screenshot file name ("" for none)
    language: str = "en"


VISITS = (
    Visit("Maya Lindgren", "/me", "My progress", "student.png"),
    Visit("Carla Lindgren", "/child", "Maya Lindgren", "parent.png"),
    Visit("Carla Lindgren", "/child", "Maya Lindgren", "parent-es.png", "es"),
    Visit("Amara Okafor", "/classes", "6A: Grade 6 Mathematics", "teacher.png"),
    Visit("Dana Reyes", "/knowledge", "Files in the knowledge base", "admin.png"),
    Visit("Teresa Ramos", "/school", "School responsiveness", "leader.png"),
)


@pytest.fixture(scope="module")
def server(demo_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with app_server(demo_assistant.settings.home, tmp_path_factory.mktemp("roles")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=chromium(), args=CHROMIUM_FLAGS, headless=True
        )
        yield launched
        launched.close()


def axe_source() -> str:
    try:
        import axe_playwright_python
    except ImportError:  # a dev dependency (pyproject.toml); CI installs it
        pytest.fail("axe-playwright-python is not installed (pip install -e '.[dev]')")
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    page.evaluate(axe_source())
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
        for v in found
        if v.get("impact") in BAD
    ]


def settle(page: Any) -> None:
    """Wait until the app has finished its run and drawn its charts."""
    from playwright.sync_api import expect

    busy = page.locator("[data-stale='true'], [data-testid='stSpinner'], #wp-opening")
    for _ in range(2):  # a page may run twice (a rerun right after the first)
        expect(busy).to_have_count(0, timeout=120_000)
        page.wait_for_timeout(1500)


def shoot(page: Any, name: str, folder: Path) -> None:
    """The whole page (Streamlit scrolls inside its main area: the viewport grows to show it),
    saved as a compact 256-colour PNG."""
    from PIL import Image

    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
        "[data-testid=stMainBlockContainer]')].map(e => e.scrollHeight), window.innerHeight)"
    )
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 3200)})
    page.wait_for_timeout(800)
    targets = [folder]
    if os.environ.get("WAYPOINT_SCREENSHOTS"):
        targets.append(Path(os.environ["WAYPOINT_SCREENSHOTS"]))
    for target in targets:
        target.mkdir(parents=True, exist_ok=True)
        path = target / name
        page.screenshot(path=str(path))
        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=256).save(path, optimize=True)
    page.set_viewport_size(size)


def open_as(browser: Any, url: str, visit: Visit, viewport: dict[str, int]) -> Any:
    from playwright.sync_api import expect

    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(url + visit.path)  # an address typed in before signing in
    expect(page.get_by_role("button", name=visit.account).first).to_be_attached(timeout=240_000)
    if visit.language != "en":
        page.get_by_role("radio", name="Español").first.click()
        expect(page.get_by_text("Cuentas de demostración")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name=visit.account).first.click()
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(visit.heading).first).to_be_visible(timeout=180_000)
    # signed in on the page the address named (its heading is there), or on the site's root
    # when that page is the role's first one
    expect(page).to_have_url(re.compile(f"(:\\d+|{re.escape(visit.path)})/?$"), timeout=30_000)
    settle(page)
    return page


def test_every_role_s_page_is_accessible_on_a_laptop(
    server: str, browser: Any, tmp_path: Path
) -> None:
    problems: dict[str, list[str]] = {}
    for visit in VISITS:
        page = open_as(browser, server, visit, LAPTOP)
        found = serious_violations(page)
        if found:
            problems[f"{visit.path} ({visit.language})"] = found
        if visit.shot:
            shoot(page, visit.shot, tmp_path)
        page.context.close()
    assert problems == {}
    assert (tmp_path / "teacher.png").stat().st_size > 20_000


def test_the_parent_page_on_a_phone_and_its_sidebar(
    server: str, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    visit = Visit("Carla Lindgren", "/child", "Maya Lindgren", "parent-phone.png")
    page = open_as(browser, server, visit, PHONE)
    assert serious_violations(page) == []
    shoot(page, visit.shot, tmp_path)
    # the sidebar opens over the page, and closes again once a page is chosen in it
    page.get_by_test_id("stExpandSidebarButton").click()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    assert serious_violations(page) == []
    sidebar.get_by_role("link", name="Chat").click()
    expect(sidebar).to_have_attribute("data-collapsed", "true", timeout=10_000)
    expect(page.get_by_text("Try asking").first).to_be_visible(timeout=120_000)
    page.context.close()


def test_a_refresh_and_a_typed_address_keep_the_person_signed_in_on_their_page(
    server: str, browser: Any
) -> None:
    from playwright.sync_api import expect

    page = open_as(browser, server, VISITS[3], LAPTOP)  # the teacher, on /classes
    cookie = next(c for c in page.context.cookies() if c["name"] == "waypoint_session")
    assert cookie["value"] not in page.url  # nothing that works again is in the address
    page.reload()
    expect(page.get_by_text("6A: Grade 6 Mathematics").first).to_be_visible(timeout=120_000)
    assert page.url.rstrip("/").endswith("/classes")
    renewed = next(c for c in page.context.cookies() if c["name"] == "waypoint_session")
    assert renewed["value"] != cookie["value"]  # single use: each page load gets a new one
    page.goto(server + "/chat")  # another page by its address
    expect(page.get_by_text("Signed in as Amara Okafor").first).to_be_visible(timeout=120_000)
    page.context.close()


@pytest.mark.xfail(
    reason="known defect (issue 15): on a page opened by its address, Chromium reports the "
    "sidebar's Sign out as inert; signing out from there is not yet possible in this run",
    strict=False,
)
def test_signing_out_spends_the_cookie_for_good(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    page = open_as(browser, server, VISITS[3], LAPTOP)  # the teacher, on /classes
    cookie = next(c for c in page.context.cookies() if c["name"] == "waypoint_session")
    page.reload()
    expect(page.get_by_text("6A: Grade 6 Mathematics").first).to_be_visible(timeout=120_000)
    renewed = next(c for c in page.context.cookies() if c["name"] == "waypoint_session")
    settle(page)
    page.get_by_role("button", name="Sign out").click(timeout=60_000)
    expect(page.get_by_text("Demo accounts")).to_be_visible(timeout=60_000)
    page.reload()
    expect(page.get_by_text("Demo accounts")).to_be_visible(timeout=120_000)
    assert page.get_by_text("Signed in as").count() == 0
    # the cookie the browser held before signing out opens nothing any more
    stale = page.context
    stale.add_cookies([{**cookie, "value": renewed["value"]}])
    page.goto(server + "/classes")
    expect(page.get_by_text("Demo accounts")).to_be_visible(timeout=120_000)
    assert page.get_by_text("Signed in as").count() == 0
    page.context.close()
