"""The one competency a question about a class or a learner is about: by its code, or by what
is left of the question once names, the class and the words every such question uses are gone."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.chat.catalog_words import COMMON_IN_TITLES, CatalogWords
from assistant.chat.learner_data import LearnerRef
from assistant.chat.word_overlap import overlap, stems
from assistant.frameworks.catalog import CatalogEntry, FrameworkCatalog
from assistant.frameworks.codes import codes_in
from assistant.retrieval.lexical import tokens

Similarities = Callable[[str, Sequence[str]], list[float]]
# The words of any question about a class, left out when looking for the competency it names.
CLASS_TALK = re.compile(
    r"\b(any(one|body)?|who('?s)?|which|what|is|are|in|on|my|the|class|kids?|students?|learners?"
    r"|stuck|behind|struggling|need|needs|help|with|tier ?[123]?|groups?|grouping|this|week|"
    r"today|tomorrow|tmrw|do|does|should|i|how|of|for|quién|quiénes|en|mi|clase|atascados?|"
    r"estudiantes|alumnos|grupos?|atorad[oa]s?|estancad[oa]s?|est[aá]n?|de|mis|los|las|el|la|"
    r"que|qui[eé]n(es)?|hay|algui[eé]n)\b|[^\w\s]",
    re.I,
)
CLASS_FOCUS_SIMILARITY = 0.4
# …and of any question about a learner's progress ("unit" too, as in "the next unit", except
# where a topic is looked for: "unit rates").
_PROGRESS_WORDS = (
    r"what'?s|whats|where|how|am|doing|level|levels|score|scores|grade|grades|progress|"
    r"update|quick|pls|please|now|right|rn|worry|worried|about|anything|should|nivel|niveles|"
    r"c[oó]mo|va|voy|estoy|tengo|mis?|sus?|hij[oa]|son|daughter|kid|child|he|she|his|her|"
    r"there|up|to|at|a|an|and|or|so|far|yet|ya|work|working|next|focus|study|practi[cs]e|"
    r"tackle|start|first|this|week|today|skills?|need|needs|help|siguiente|estudiar|trabajar|"
    r"practicar|repasar|casa|esta|semana|ahora|qu[eé]|hacer|debo|tiene|que|"
    r"step|steps|paso|pasos|thing|things|stuff|cosa|cosas|one|tema|trabajo|trabajos"
)
LEARNER_TALK = re.compile(rf"\b({_PROGRESS_WORDS}|unit)\b", re.I)
TOPIC_TALK = re.compile(rf"\b({_PROGRESS_WORDS})\b", re.I)
# A topic several competencies' titles share names at most this many of them.
TOPIC_MAX = 4
LEARNER_FOCUS_SIMILARITY = 0.5
# …and of any question about reaching a level ("how can I tell if my … work is good enough for
# a 3"), left out when looking for the one skill it names.
LEVEL_TALK = re.compile(
    r"\b(tell|know|sure|check|good|enough|count|ready|level|nivel|suficiente|bastante|"
    r"listo|lista|saber|s[eé]|trabajo|work|if|si|can|puedo|para|un|una|get|got|sacar|"
    r"look|looks|like|mean|means|meaning|se|ve|significa|quiere|decir|entiendo|no|not|"
    r"understand|get|bad|malo|mala|ok|okay|bien|scale|escala|rubric|r[uú]brica|report|"
    r"informe|boleta|math|maths|matem[aá]ticas|progress|progreso|proceso|beginning|developing|"
    r"proficient|advanced|inicial|desarrollo|competente|avanzado|[1-4]s?)\b",
    re.I,
)
ONE_WORD_TITLES = 2
SAME_WORD = 6
# The school's way of working, not a skill ("this system" is no system of equations; a
# question about evidence is not about the habit of backing claims with it).
SCHOOL_TALK = re.compile(
    r"\b(this|that|the|new|grading|este|ese|el|nuevo) (system|sistema)\b"
    r"|\b(system|sistema) (of|de) (competenc\w+|grading|calificaci\w+|levels|niveles|notas)\b"
    r"|\bevidence\b|\bevidencias?\b|\bpieces\b|\bpiezas\b",
    re.I,
)
# …and the words of any question about a topic ("mini lesson idea for", "i dont get", "i keep
# forgetting to"), some of which are in titles ("ideas", "work", "keep going").
TOPIC_FILLER = re.compile(
    r"\b(ideas?|lessons?|mini|reteach|teach|teaching|activit(y|ies)|kids?|students?|whats?|"
    r"how|does|did|you|your|can|could|would|me|im|a|an|to|with|at|and|or|it|lost|"
    r"confused|get|dont|don'?t|doesn'?t|doesnt|understand|work|working|keep|keeps|need|"
    r"practi[cs]e|problems?|explain|ayuda|para|con|los|las|estoy|atorad[oa]s?|"
    r"atascad[oa]s?|ma[nñ]ana|tomorrow|tmrw|today|week|stuff|all|everything|tried|"
    r"forget|forgetting|always|never|so|really|help|skills?|says?|said|his|her|their|"
    r"habilidad(es)?|dice|dicen)\b",
    re.I,
)


class CompetencyFocus:
    def __init__(
        self,
        catalog: Callable[[], FrameworkCatalog],
        words: CatalogWords,
        similarities: Similarities,
    ) -> None:
        self._catalog = catalog
        self.words = words
        self._similarities = similarities

    def in_class(
        self, question: str, codes: tuple[str, ...], class_id: str, language: str
    ) -> tuple[str, str] | None:
        """The one competency of the class a question is about: by its code, or by what is left
        of the question once the class and the words every class question uses are gone
        ("ADV6 anyone stuck on planning their work?" → H.SD.A.3 Plan and manage my time)."""
        catalog = self._catalog()
        entries = [e for e in (catalog.lookup(code) for code in codes) if e is not None]
        for token in codes_in(question):
            entry = catalog.lookup(token)
            if entry is not None and entry.code in codes:
                return entry.code, self.words.title(entry, language)
        rest = CLASS_TALK.sub(" ", question.replace(class_id, " "))
        if len(tokens(rest)) < 2 or not entries:
            return None
        titles = [self.words.title(e, language) for e in entries]
        scores = self._similarities(rest, titles)
        best = max(range(len(entries)), key=lambda i: scores[i])
        if scores[best] < CLASS_FOCUS_SIMILARITY:
            return None
        # "who needs help with ratios": a word many titles share names none of them (the
        # class's whole report answers, not the first ratio competency)
        shared = stems(rest) & stems(titles[best])
        if shared and all(
            sum(word in stems(title) for title in titles) >= COMMON_IN_TITLES for word in shared
        ):
            return None
        return entries[best].code, titles[best]

    def topic_of_learner(
        self,
        question: str,
        people: list[LearnerRef],
        language: str,
        among: Sequence[str] | None = None,
    ) -> tuple[str, ...]:
        """The competencies a learner-data question names by a topic their titles share ("my
        level in unit rates": every title with both words), in framework order; empty when the
        question names no topic, or one that most titles share."""
        if codes_in(question):
            return ()  # a code names its one competency
        rest = _without_names(question, people)
        asked = _short_stems(TOPIC_TALK.sub(" ", CLASS_TALK.sub(" ", rest)))
        if len(asked) < 2:  # one word ("unit", "ratios") is no topic of a few
            return ()
        entries = [
            e for e in self._catalog().assessable() if among is None or e.code in among
        ]  # `among`: the codes to look in (a class's)
        found = tuple(
            e.code for e in entries if asked <= _short_stems(self.words.title(e, language))
        )
        return found if 1 < len(found) <= TOPIC_MAX else ()

    def of_learner(self, question: str, people: list[LearnerRef], language: str) -> str | None:
        """The one competency a learner-data question is about ("what's my level in unit
        rates", "how is Bruno doing on M.7.RP.3"): by its code, or by what is left of the
        question once names and the words of any progress question are gone."""
        catalog = self._catalog()
        for token in codes_in(question):
            entry = catalog.lookup(token)
            if entry is not None:
                return entry.code
        rest = LEARNER_TALK.sub(" ", CLASS_TALK.sub(" ", _without_names(question, people)))
        entries = catalog.assessable()
        if len(tokens(rest)) < (2 if language == "en" else 1) or not entries:
            return None
        titles = [self.words.title(e, language) for e in entries]
        scores = self._similarities(rest, titles)
        # the title's own words must be in the question too (the model alone finds "work" in
        # "Keep going when work is hard"; in Spanish it guesses)
        needed = 0.5 if language != "en" else 0.3
        agree = [overlap(title, rest) >= needed or overlap(rest, title) >= 0.5 for title in titles]
        # one shared word that many titles have ("ratio", "rate") does not pick one of them
        shared = [stems(rest) & stems(title) for title in titles]  # (each title's words asked)
        asked = stems(rest)
        common = {w for w in asked if sum(w in stems(t) for t in titles) >= COMMON_IN_TITLES}
        agree = [
            ok and bool(words - common or len(words) > 1)
            for ok, words in zip(agree, shared, strict=True)
        ]
        scores = [score if ok else 0.0 for score, ok in zip(scores, agree, strict=True)]
        floor = 0.0 if language != "en" else LEARNER_FOCUS_SIMILARITY
        best = max(range(len(entries)), key=lambda i: scores[i])
        return entries[best].code if scores[best] > floor else None

    def of_topic(
        self,
        question: str,
        language: str,
        *,
        min_words: int = 1,
        among: Callable[[CatalogEntry], bool] | None = None,
    ) -> str | None:
        """The one skill a general question names by its topic ("is my inequality work good
        enough for a 3", "how do you find a unit rate"), or None. Words no title has are set
        aside; of the rest, at least `min_words` and at least half are in the title, and of the
        few titles that have the most of them the one most of whose words were asked is taken.
        `among`: the skills that can answer (those with a practice, or level descriptors)."""
        rest = SCHOOL_TALK.sub(" ", question)
        rest = LEVEL_TALK.sub(" ", TOPIC_FILLER.sub(" ", CLASS_TALK.sub(" ", rest)))
        # `among`: the skills that can answer (with a practice, with level descriptors)
        entries = [e for e in self._catalog().assessable() if among is None or among(e)]
        titles = [self.words.title(e, language) for e in entries]
        in_titles = set().union(*(_topic_stems(t) for t in titles)) if titles else set()
        asked = _topic_stems(rest) & in_titles
        shared = [len(asked & _topic_stems(title)) for title in titles]
        most = max(shared, default=0)
        # at least half the words asked that titles have ("find" a unit rate; "plan" my "time"
        # when i "run out" on "projects")
        if most < max(min_words, (len(asked) + 1) // 2, 1):
            return None
        named = [i for i, count in enumerate(shared) if count == most]
        # one word names a topic only when few titles have it, and have it whole ("inequality"
        # and "inequalities"; not "two", and not "everyone" for "every")
        if most == 1 and (
            len(named) > ONE_WORD_TITLES or not any(_same_word(rest, titles[i]) for i in named)
        ):
            return None
        if len(named) > TOPIC_MAX:
            return None
        # the title most of whose words were asked ("unit rate": "Understand unit rates"
        # before "Graph proportions with unit rate as slope"), the earlier one on a tie; no
        # model call, so a question pays nothing for it
        best = max(named, key=lambda i: (most / len(_topic_stems(titles[i])), -i))
        return entries[best].code


def _without_names(question: str, people: list[LearnerRef]) -> str:
    """The question without the names of the learners the asker may see."""
    rest = question
    for person in people:
        for part in person.name.split():
            rest = re.sub(rf"\b{re.escape(part)}\b", " ", rest, flags=re.I)
    return rest


def _short_stems(text: str) -> set[str]:
    """A text's words cut to four letters, so "rate" and "rates", "tasa" and "tasas" meet."""
    return {token[:4] for token in tokens(text) if len(token) > 2}


def _topic_stems(text: str) -> set[str]:
    """A text's words without a final "s", cut to five letters: "rate" and "rates",
    "inequality" and "inequalities", "ecuación" and "ecuaciones" meet, and "reprobar" does not
    meet "representar"."""
    return {token.removesuffix("s")[:5] for token in tokens(text) if len(token) > 2}


def _same_word(text: str, title: str) -> bool:
    """A word of the text and one of the title agree on at least six letters, or are the same
    word of five letters or more ("ratio", not "ask")."""
    words = [t.removesuffix("s") for t in tokens(text) if len(t) > 2]
    named = [t.removesuffix("s") for t in tokens(title) if len(t) > 2]
    return any(
        (a == b and len(a) >= SAME_WORD - 1)
        or (len(a) >= SAME_WORD and len(b) >= SAME_WORD and a[:SAME_WORD] == b[:SAME_WORD])
        for a in words
        for b in named
    )
