"""The one competency-code grammar (frameworks/codes.py).

It replaced two regexes: the practice index's (`\\b[A-Z][A-Z0-9]*(?:\\.[A-Z0-9]+){2,}\\b`, for
headings in the knowledge folder) and retrieval's (2 to 8 dotted segments with a digit, not a
number, case-insensitive, for typed questions). Where they agreed the grammar agrees with both;
where they disagreed it follows retrieval's, for these reasons:

- `7.RP.A.2`: the practice regex found `RP.A.2` inside it (it had to begin with a letter); a
  code may begin with a digit, so the whole token is the code.
- `m.6.rp.1`, `1.2.3`, `M.6`, `v1.2`: the practice regex wanted capitals and three segments;
  people type codes in lower case and short frameworks use two segments, so these are codes.
- `A.B.C`, `U.S.A`: the practice regex took dotted capitals without a digit; every code of a
  bundled framework has a digit, and abbreviations are not codes.
- `M.6.RP.1x.y`: the practice regex found `M.6.RP` in it; the grammar reads one token.

The bundled knowledge's practice index is the same under both (every heading code there is
in capitals with three or more segments).
"""

from __future__ import annotations

import pytest

from assistant.frameworks.codes import codes_in, codes_with_ranges, is_code

# Both old regexes found exactly these codes in these texts.
AGREED_FOUND = [
    ("M.6.RP.1", ["M.6.RP.1"]),
    ("H.SD.A.1", ["H.SD.A.1"]),
    ("CCSS.MATH.6.RP.1", ["CCSS.MATH.6.RP.1"]),
    ("M.6.3", ["M.6.3"]),
    ("see M.6.RP.1.", ["M.6.RP.1"]),
    ("(M.6.RP.4)", ["M.6.RP.4"]),
    ("M.6.RP.1 and M.7.EE.4", ["M.6.RP.1", "M.7.EE.4"]),
]
# Both old regexes found no code in these.
AGREED_NONE = ["3.50", "3", "costs 3.50 dollars", "hello world", "e.g.", "M6", "what does a 3 mean"]
# The two disagreed; the grammar's choice (see the module docstring).
DISAGREED = [
    ("7.RP.A.2", ["7.RP.A.2"]),
    ("m.6.rp.1", ["m.6.rp.1"]),
    ("1.2.3", ["1.2.3"]),
    ("M.6", ["M.6"]),
    ("A.B.C", []),
    ("U.S.A", []),
    ("M.6.RP.1x.y", ["M.6.RP.1x.y"]),
]


@pytest.mark.parametrize(("text", "codes"), AGREED_FOUND + [(t, []) for t in AGREED_NONE])
def test_the_grammar_agrees_where_both_old_regexes_agreed(text: str, codes: list[str]) -> None:
    assert codes_in(text) == codes
    assert codes_with_ranges(text) == codes


@pytest.mark.parametrize(("text", "codes"), DISAGREED)
def test_where_the_old_regexes_disagreed_the_grammar_reads_whole_tokens(
    text: str, codes: list[str]
) -> None:
    assert codes_in(text) == codes


def test_is_code_validates_a_whole_token() -> None:
    assert is_code("M.6.RP.1") and is_code("7.RP.A.2") and is_code("m.6.rp.1")
    assert not is_code("3.50") and not is_code("U.S.A") and not is_code("M.6.RP.1 ")
    assert not is_code("M.6.RP.1,M.6.RP.2") and not is_code("M6")


def test_a_range_needs_two_codes_and_is_expanded_once() -> None:
    assert codes_with_ranges("M.7.RP.2 - M.7.RP.4, M.7.RP.3") == [
        "M.7.RP.2",
        "M.7.RP.3",
        "M.7.RP.4",
    ]
    assert codes_with_ranges("from 3.5 to M.7.RP.4") == ["M.7.RP.4"]
    assert codes_with_ranges("M.7.RP.2 to M.8.EE.1") == ["M.7.RP.2", "M.8.EE.1"]
