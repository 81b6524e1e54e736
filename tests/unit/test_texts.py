"""The one text loader: every shipped file under prompts/ passes its schema; a bad file fails
at start-up naming the file, the key path and the placeholder; callers pass the names the
templates use."""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from assistant.chat.templates import AnswerTemplates
from assistant.errors import TemplateError
from assistant.settings import BUNDLED_PROMPTS
from assistant.texts.answers_spec import ANSWER_NAMES
from assistant.texts.files import PROMPT_FILES, read_yaml, validate_prompts
from assistant.texts.placeholders import format_names, jinja_names
from assistant.texts.ui_spec import LEVEL_NAMES, UI_NAMES

REPO = Path(__file__).resolve().parents[2]
CALLERS = (REPO / "ui", REPO / "assistant")


def copy_prompts(tmp_path: Path) -> Path:
    folder = tmp_path / "prompts"
    shutil.copytree(BUNDLED_PROMPTS, folder)
    return folder


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_shipped_text_file_passes_its_schema() -> None:
    validate_prompts(BUNDLED_PROMPTS)
    shipped = {p.name for p in BUNDLED_PROMPTS.iterdir() if p.is_file()}
    assert shipped == set(PROMPT_FILES)


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("ui.yaml", "Progress of {name}", "Progress of {learner}", "en.progress_of uses unknown "),
        ("ui.yaml", "Progreso de {name}", "Progreso de {nombre}", "es.progress_of uses unknown "),
        ("ui.yaml", "  sign_out: Sign out\n", "  sign_out: Sign out\n  sign_ot: x\n", "sign_ot"),
        ("ui.yaml", "  app_title: Waypoint\n", "", "es: unknown key(s) app_title"),
        (
            "answers.yaml",
            "guess. {{ suggestions }}",
            "guess. {{ tips }}",
            "no_answer.en uses unknown",
        ),
        (
            "answers.yaml",
            "version: 1\n",
            "version: 1\nintro_typo:\n  en: a\n  es: b\n",
            "intro_typo",
        ),
        ("llm_user.md", "{{ question }}", "{{ query }}", "uses unknown placeholder {query}"),
        ("llm_tones.yaml", "  admin:", "  admins:", "tones: missing key(s) admin"),
        (
            "intents.yaml",
            "    - ^¿?(and |y )?",
            "    - ^¿?((and |y )?",
            "intents.follow_up.patterns[1]",
        ),
        ("reasons.es.yaml", "{bar}", "{barra}", "uses unknown placeholder {barra}"),
    ],
)
def test_a_bad_file_fails_at_start_naming_file_key_and_placeholder(
    tmp_path: Path, name: str, old: str, new: str, message: str
) -> None:
    folder = copy_prompts(tmp_path)
    edit(folder, name, old, new)
    with pytest.raises(TemplateError) as caught:
        validate_prompts(folder)
    assert str(folder / name) in str(caught.value)
    assert message in str(caught.value)


def test_a_placeholder_error_names_the_allowed_names(tmp_path: Path) -> None:
    folder = copy_prompts(tmp_path)
    edit(folder, "ui.yaml", "Progress of {name}", "Progress of {learner}")
    with pytest.raises(TemplateError, match=r"\{learner\} \(allowed: name\)"):
        validate_prompts(folder)


def test_an_unknown_file_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    folder = copy_prompts(tmp_path)
    (folder / "stray.yaml").write_text("x: 1\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="unknown text file.*stray.yaml"):
        validate_prompts(folder)
    (folder / "stray.yaml").unlink()
    (folder / "llm_system.md").unlink()
    with pytest.raises(TemplateError, match=r"llm_system\.md: cannot be read"):
        validate_prompts(folder)


def test_the_container_refuses_a_bad_prompts_folder_when_built(tmp_path: Path) -> None:
    from assistant.container import Assistant
    from assistant.settings import Settings

    folder = copy_prompts(tmp_path)
    edit(folder, "ui.yaml", "Progreso de {name}", "Progreso de {nombre}")
    settings = Settings(home=tmp_path / "home", prompts_dir=folder)
    with pytest.raises(TemplateError, match=r"es\.progress_of"):
        Assistant(settings)


# every page key in both languages with the same placeholders --------------------------------
def test_every_page_key_is_in_english_and_spanish_with_the_same_placeholders() -> None:
    data = read_yaml(BUNDLED_PROMPTS / "ui.yaml")
    english, spanish = data["en"], data["es"]
    assert set(english) - {LEVEL_NAMES} == set(spanish) - {LEVEL_NAMES}
    for key, text in english.items():
        if key == LEVEL_NAMES:
            continue
        here = format_names(Path("ui.yaml"), key, text, specs=True)
        there = format_names(Path("ui.yaml"), key, spanish[key], specs=True)
        assert here == there, key
        assert here <= UI_NAMES.get(key, frozenset()), key


# callers pass the names the templates use ---------------------------------------------------
@cache
def calls() -> tuple[tuple[Path, ast.Call], ...]:
    """Every call in ui/ and assistant/, each file parsed once."""
    found = []
    for root in CALLERS:
        for path in root.rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if ".t(" not in source and ".render(" not in source:
                continue
            tree = ast.parse(source)
            found += [(path, node) for node in ast.walk(tree) if isinstance(node, ast.Call)]
    return tuple(found)


def literal_calls(method: str) -> Iterator[tuple[Path, int, str, set[str], bool, bool]]:
    """(file, line, key, keyword names, has **values, passes a language) of each
    `x.method("key", ...)` call."""
    for path, node in calls():
        if not (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == method
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            continue
        named = {k.arg for k in node.keywords if k.arg is not None}
        splat = any(k.arg is None for k in node.keywords)
        language = len(node.args) > 1 or "language" in named
        yield path, node.lineno, node.args[0].value, named - {"language"}, splat, language


def test_page_callers_name_keys_that_exist_and_pass_the_names_the_texts_use() -> None:
    english = read_yaml(BUNDLED_PROMPTS / "ui.yaml")["en"]
    checked = 0
    for path, line, key, named, splat, language in literal_calls("t"):
        where = f"{path.relative_to(REPO)}:{line} {key}"
        assert key in english, where
        assert language, f"{where}: no language given, so a Spanish reader would read English"
        used = format_names(Path("ui.yaml"), key, english[key], specs=True)
        assert splat or used <= named, where
        assert named <= UI_NAMES.get(key, frozenset()), where
        checked += 1
    assert checked > 200


def test_answer_callers_pass_the_names_the_templates_use() -> None:
    data = read_yaml(BUNDLED_PROMPTS / "answers.yaml")
    checked = 0
    for path, line, key, named, splat, _ in literal_calls("render"):
        if key not in ANSWER_NAMES or splat:
            continue
        node = data
        for part in key.split("."):
            node = node[part]
        for language in ("en", "es"):
            used = jinja_names(Path("answers.yaml"), key, node[language])
            assert used <= named, f"{path.relative_to(REPO)}:{line} {key}.{language}"
        checked += 1
    assert checked > 20


@pytest.mark.parametrize(
    ("language", "english", "says"),
    [
        ("en", "advanced", "A 4 means Advanced: using the skill in new and harder ways."),
        ("es", "advanced", "Un 4 significa Avanzado: usar la habilidad de maneras nuevas"),
        ("en", "exemplary", "A 4 means Advanced."),  # another scale's name: no gloss
    ],
)
def test_a_levels_lead_says_what_the_level_is_in_a_few_words(
    language: str, english: str, says: str
) -> None:
    templates = AnswerTemplates(BUNDLED_PROMPTS / "answers.yaml")
    label = "Avanzado" if language == "es" else "Advanced"
    lead = templates.render("level_meaning.lead", language, score="4", label=label, english=english)
    assert lead.startswith(says), lead
