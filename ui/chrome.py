"""The only HTML and script the app adds to its pages, all of it fixed text written here: the
style that lets buttons wrap between words, the script that closes the sidebar on a phone after
a choice, and the one that keeps the session cookie (see assistant/app/sessions.py). Nothing
from a user, a guide or the database is ever put into them; the cookie's token is checked to be
a token (letters, digits, `-`, `_`, `.`) before it is written into the script."""

from __future__ import annotations

import json
import re

import streamlit as st

TOKEN = re.compile(r"[A-Za-z0-9_.-]*")
# Words of buttons wrap between words, never inside one (starter questions, names);
# captions are dark enough for a 4.5:1 contrast (Streamlit's faded grey is 3.9:1).
STYLE = """<style>
[data-testid="stBaseButton-secondary"] p, [data-testid="stBaseButton-tertiary"] p {
  word-break: normal; overflow-wrap: normal; hyphens: manual; white-space: normal;
}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
[data-testid="stSpinner"] span, [data-testid="stWidgetLabel"] small {
  color: #5c5c66; opacity: 1;
}
.wp-opening {
  position: fixed; top: 0.75rem; left: 50%; transform: translateX(-50%); z-index: 1000100;
  background: #1c3f6e; color: #ffffff; padding: 0.5rem 1rem; border-radius: 0.5rem;
  box-shadow: 0 2px 6px rgba(0, 0, 0, 0.3); font-family: inherit;
}
.wp-spin {
  display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.5em;
  border: 2px solid #ffffff; border-right-color: transparent; border-radius: 50%;
  vertical-align: -0.1em; animation: wp-spin 0.8s linear infinite;
}
@keyframes wp-spin { to { transform: rotate(360deg); } }
</style>"""
# On a phone the sidebar closes after a choice in it; after a click on an account, a status
# note says the page is opening until the sign-in page is gone.
PAGE_SCRIPT = """<script>(function () {
  var doc = document;
  doc.wpOpening = OPENING;
  if (doc.wpListening) { return; }
  doc.wpListening = true;
  function opening() {
    if (doc.getElementById("wp-opening")) { return; }
    var note = doc.createElement("div");
    note.id = "wp-opening";
    note.setAttribute("role", "status");
    note.className = "wp-opening";
    var spin = doc.createElement("span");
    spin.className = "wp-spin";
    spin.setAttribute("aria-hidden", "true");
    note.appendChild(spin);
    note.appendChild(doc.createTextNode(doc.wpOpening));
    doc.body.appendChild(note);
    var started = Date.now();
    var timer = setInterval(function () {
      if (!doc.querySelector('[class*="st-key-demo_"]') || Date.now() - started > 60000) {
        note.remove();
        clearInterval(timer);
      }
    }, 250);
  }
  doc.addEventListener("click", function (event) {
    if (event.target.closest('[class*="st-key-demo_"] button')) { opening(); }
    if (window.innerWidth > 640) { return; }
    var sidebar = doc.querySelector('[data-testid="stSidebar"]');
    if (!sidebar || !sidebar.contains(event.target)) { return; }
    var choice = 'a, [data-testid^="stBaseButton-segmented_control"], '
      + '[data-variant="segmented_control"]';
    if (!event.target.closest(choice)) { return; }
    setTimeout(function () {
      var close = doc.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (close && sidebar.getAttribute("data-collapsed") === "false") { close.click(); }
    }, 150);
  }, true);
})();</script>"""


def style() -> None:
    st.html(STYLE)


def page_script(opening: str) -> None:
    """On a narrow screen the sidebar covers the page: it closes after a page or a language
    in it is picked. After a click on an account, `opening` (the app's own words) shows as a
    status note until the person's page replaces the sign-in page."""
    text = json.dumps(opening).replace("<", "\\u003c")
    st.html(PAGE_SCRIPT.replace("OPENING", text, 1), unsafe_allow_javascript=True)


def cookie_script(name: str, token: str | None, seconds: int) -> str:
    """Sets (or with None, removes) a cookie for the whole app. Over HTTPS it is
    `SameSite=None; Secure; Partitioned`, so that it also works inside an LMS iframe."""
    if not TOKEN.fullmatch(name) or (token is not None and not TOKEN.fullmatch(token)):
        raise ValueError("a cookie's name and token are letters, digits, '-', '_' and '.'")
    from assistant.lti.handoff import EMBEDDED_COOKIE  # here: the sign-in page needs no LTI

    embedded = EMBEDDED_COOKIE.replace("Path=/; ", "")  # the path is set for every cookie
    value = json.dumps(token or "")
    age = int(seconds) if token else 0
    return (
        "<script>(function () {"
        'var secure = window.location.protocol === "https:";'
        f'var flags = "; Path=/; Max-Age={age}" + (secure'
        f' ? "; {embedded}" : "; SameSite=Strict");'
        f'document.cookie = "{name}=" + {value} + flags;'
        "})();</script>"
    )


def cookie(name: str, token: str | None, seconds: int) -> None:
    st.html(cookie_script(name, token, seconds), unsafe_allow_javascript=True)
