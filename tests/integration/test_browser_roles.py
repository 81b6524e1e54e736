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
SIGN_OUT = {"en": "Sign out", "es": "Salir"}


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

    busy = page.locator(
        "[data-stale='true'], [data-testid='stSpinner'], [data-testid='stSkeleton'], #wp-opening"
    )
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
        if viewport == PHONE:  # the switch is in the sidebar, closed on a phone
            page.get_by_test_id("stExpandSidebarButton").click()
        page.get_by_role("radio", name="Español").first.click()
        expect(page.get_by_text("Cuentas de demostración")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name=visit.account).first.click()
    main = page.get_by_role("main")  # stMain is not there on a page with a docked chat input
    expect(main.get_by_text(visit.heading).first).to_be_visible(timeout=180_000)
    # signed in on the page the address named (its heading is there), or on the site's root
    # when that page is the role's first one
    expect(page).to_have_url(re.compile(f"(:\\d+|{re.escape(visit.path)})/?$"), timeout=30_000)
    settle(page)
    return page


def phone_shot(visit: Visit) -> str:
    return visit.shot.replace(".png", "-phone.png")


def accessible_and_shot(page: Any, visit: Visit, name: str, folder: Path) -> list[str]:
    """The page's serious or critical axe violations (none expected); its screenshot saved."""
    found = serious_violations(page)
    shoot(page, name, folder)
    return found


def test_every_role_s_page_is_accessible_on_a_laptop(
    server: str, browser: Any, tmp_path: Path
) -> None:
    problems: dict[str, list[str]] = {}
    for visit in VISITS:
        page = open_as(browser, server, visit, LAPTOP)
        found = accessible_and_shot(page, visit, visit.shot, tmp_path)
        if found:
            problems[f"{visit.path} ({visit.language})"] = found
        page.context.close()
    assert problems == {}
    assert (tmp_path / "teacher.png").stat().st_size > 20_000


def test_every_role_s_page_is_accessible_on_a_phone_and_its_sidebar_closes(
    server: str, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    problems: dict[str, list[str]] = {}
    for visit in VISITS:
        page = open_as(browser, server, visit, PHONE)
        found = accessible_and_shot(page, visit, phone_shot(visit), tmp_path)
        # the sidebar opens over the page (sign-out and language in it), and closes again
        # once a page is chosen in it
        page.get_by_test_id("stExpandSidebarButton").click()
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar).to_have_attribute("data-collapsed", "false")
        expect(sidebar.get_by_role("button", name=SIGN_OUT[visit.language])).to_be_visible()
        settle(page)  # the sidebar slides in; mid-way its text is faint
        found += [f"sidebar open: {problem}" for problem in serious_violations(page)]
        if found:
            problems[f"{visit.path} ({visit.language})"] = found
        sidebar.get_by_role("link").first.click()
        expect(sidebar).to_have_attribute("data-collapsed", "true", timeout=10_000)
        page.context.close()
    assert problems == {}
    assert (tmp_path / "parent-phone.png").stat().st_size > 20_000


@dataclass(frozen=True)
class Question:
    visit: Visit
    text: str
    sources: str  # the caption above an answer's sources, in the page's language


# the chat page once the index is ready: its starter questions under "Try asking:"
QUESTIONS = (
    Question(
        Visit("Maya Lindgren", "/chat", "Try asking:", "chat.png"),
        "What should I work on next?",
        "Sources (",
    ),
    Question(
        Visit("Carla Lindgren", "/chat", "Prueba a preguntar:", "", "es"),
        "¿Cómo puedo ayudar a Maya en casa con las razones?",
        "Fuentes (",
    ),
    Question(
        Visit("Amara Okafor", "/chat", "Try asking:", ""),
        "How do I run a small group for learners stuck on unit rates?",
        "Sources (",
    ),
)


def test_each_role_asks_in_the_chat_and_gets_an_answer_with_its_sources(
    server: str, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    for question in QUESTIONS:
        page = open_as(browser, server, question.visit, LAPTOP)
        main = page.get_by_role("main")
        page.get_by_test_id("stChatInputTextArea").fill(question.text)
        page.get_by_test_id("stChatInputTextArea").press("Enter")
        expect(main.get_by_text(question.sources).first).to_be_visible(timeout=180_000)
        answer = main.get_by_test_id("stChatMessage").nth(1)
        assert len(answer.inner_text()) > 80  # an answer, not an error or an empty box
        sources = answer.get_by_test_id("stExpander")
        assert sources.count() >= 1
        sources.first.locator("summary").click()  # a source opens to its section
        expect(sources.first.get_by_test_id("stMarkdownContainer").first).to_be_visible()
        settle(page)
        if question.visit.shot:
            shoot(page, question.visit.shot, tmp_path)
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


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_signing_out_after_a_refresh_spends_the_cookie_for_good(
    server: str, browser: Any, viewport: dict[str, int]
) -> None:
    from playwright.sync_api import expect

    page = open_as(browser, server, VISITS[3], viewport)  # the teacher, on /classes
    page.reload()
    expect(page.get_by_text("6A: Grade 6 Mathematics").first).to_be_visible(timeout=120_000)
    settle(page)  # the renewed token is in the cookie
    renewed = next(c for c in page.context.cookies() if c["name"] == "waypoint_session")
    if viewport == PHONE:  # the sidebar, closed on a phone, holds the sign-out
        page.get_by_test_id("stExpandSidebarButton").click()
    page.get_by_role("button", name="Sign out").click(timeout=60_000)
    expect(page.get_by_text("Demo accounts")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    assert "waypoint_session" not in {c["name"] for c in page.context.cookies()}
    page.reload()
    expect(page.get_by_text("Demo accounts")).to_be_visible(timeout=120_000)
    assert page.get_by_text("Signed in as").count() == 0
    # the token the browser held when signing out opens nothing any more, even if kept
    page.context.add_cookies([renewed])
    page.goto(server + "/classes")
    expect(page.get_by_text("Demo accounts")).to_be_visible(timeout=120_000)
    assert page.get_by_text("Signed in as").count() == 0
    page.context.close()
