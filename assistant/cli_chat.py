"""`waypoint ask` and `waypoint chat`: the conversation engine on the command line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from assistant.chat.types import ROLES, Answer, AskContext
from assistant.errors import WaypointError

if TYPE_CHECKING:  # loaded when a question is asked, not for `waypoint --help`
    from assistant.chat.engine import ChatEngine
    from assistant.chat.memory import Conversation
    from assistant.container import Assistant

EXIT_OK = 0


def add_chat_commands(commands: Any) -> None:
    ask = commands.add_parser("ask", help="ask one question and get a cited answer")
    ask.add_argument("question")
    chat = commands.add_parser("chat", help="an interactive conversation in the terminal")
    for command in (ask, chat):
        command.add_argument(
            "--role",
            choices=[r for r in ROLES],
            help="who is asking (default: --user's role in the roster, else student); "
            "without --user, answers are general only, except for --role admin (the local "
            "administrator)",
        )
        command.add_argument("--user", help="who is asking (a user id of the roster)")
        command.add_argument("--learner", help="the learner the question is about")
        command.add_argument(
            "--lang", choices=["en", "es"], help="answer language (default: the question's)"
        )
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.set_defaults(handler=cmd_ask)
    chat.set_defaults(handler=cmd_chat)
    evaluation = commands.add_parser("eval", help="run the evaluation and benchmarks in evals/")
    evaluation.add_argument("--only", nargs="*", default=[], help="benchmark modules to run")
    evaluation.set_defaults(handler=cmd_eval)


def cmd_eval(args: argparse.Namespace, assistant: Assistant) -> int:
    """`python -m evals` in the source checkout: the gold sets and benchmarks are not part of
    the installed package."""
    import subprocess

    from assistant.settings import PACKAGE_ROOT

    checkout = PACKAGE_ROOT.parent
    if not (checkout / "evals" / "__main__.py").is_file():
        print(
            "waypoint eval: the evaluation (evals/: gold sets and benchmarks) is not installed "
            "with the package; run it from a source checkout of Waypoint "
            "(`pip install -e .` there, then `waypoint eval` or `python -m evals`)",
            file=sys.stderr,
        )
        return 2
    command = [sys.executable, "-m", "evals", *(f"--only={m}" for m in args.only)]
    return subprocess.run(command, cwd=checkout, check=False).returncode


class RoleMismatchError(WaypointError):
    """--role names another role than the one --user has in the roster."""


def _context(args: argparse.Namespace, assistant: Assistant) -> AskContext:
    """Who asks: --user's role comes from the roster (a --role that disagrees is refused);
    without --user the role is --role (student by default) and nobody's data is read, except
    for --role admin, the local administrator who owns the database."""
    role = args.role
    if args.user:
        from assistant.app.chat_session import chat_role

        actual = assistant.access.viewer(args.user).role
        if role is not None and role != actual:
            raise RoleMismatchError(
                f"--role {role} does not match {args.user}, who is a {actual} in the roster"
            )
        role = chat_role(actual)
    return AskContext(
        role=role or "student", user_id=args.user, learner_id=args.learner, language=args.lang
    )


def index_first(assistant: Assistant) -> None:
    """An empty home: index the bundled knowledge first, with a progress bar on a terminal, so
    that the first question is answered in the same process (the model loads once)."""
    if assistant.records.chunk_count():
        return
    print("waypoint: indexing the bundled knowledge first…", file=sys.stderr, flush=True)
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="chunk", desc="indexing", file=sys.stderr)
        bar.n = done
        bar.refresh()

    show = assistant.settings.show_progress and sys.stderr.isatty()
    try:
        report = assistant.indexer.ingest(progress=update if show else None)
    finally:
        if bar is not None:
            bar.close()
    for problem in report.problems:
        print(f"skipped: {problem}", file=sys.stderr)


def cmd_ask(args: argparse.Namespace, assistant: Assistant) -> int:
    context = _context(args, assistant)
    index_first(assistant)
    engine = assistant.chat
    if args.json:
        print(
            json.dumps(engine.ask(args.question, context).as_json(), indent=2, ensure_ascii=False)
        )
        return EXIT_OK
    _print_streamed(engine, args.question, context, None)
    return EXIT_OK


def cmd_chat(args: argparse.Namespace, assistant: Assistant) -> int:
    context = _context(args, assistant)
    index_first(assistant)
    engine = assistant.chat
    conversation = engine.new_conversation()
    print("Waypoint — ask a question; an empty line or Ctrl-D ends the conversation.")
    while True:
        try:
            message = input("you> ").strip()
        except EOFError:
            print()
            return EXIT_OK
        if not message:
            return EXIT_OK
        print("waypoint> ", end="")
        _print_streamed(engine, message, context, conversation)


def _print_streamed(
    engine: ChatEngine, message: str, context: AskContext, conversation: Conversation | None
) -> None:
    """Print the answer as it streams, then its sources."""
    answer: Answer | None = None
    for piece in engine.stream(message, context, conversation):
        if isinstance(piece, Answer):
            answer = piece
        else:
            print(piece, end="", flush=True)
    print()
    if answer is not None:
        _print_sources(answer)


def _print_sources(answer: Answer) -> None:
    if answer.notice:
        print(f"({answer.notice})", file=sys.stderr)
    for number, citation in enumerate(answer.citations, start=1):
        where = citation.title + (
            f" › {citation.section}"
            if citation.section and citation.section != "Competency"
            else ""
        )
        print(f"  [{number}] {where} — {citation.source}")
