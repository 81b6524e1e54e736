"""A message that shows distress ("AGAIN", "so unfair", "soy malo", "should I be worried")
gets one short line that acknowledges it before the answer, in the asker's role and language."""

from __future__ import annotations

import re

DISTRESS = re.compile(
    r"\b(unfair|so hard|hate|stupid|dumb|worried|worry|scared|afraid|anxious|stressed|"
    r"frustrat\w*|crying|cries|give up|hopeless|panic\w*|freaking out)\b|\bAGAIN\b|"
    r"😢|😭|😞|😔|\bsoy (malo|mala|tont[oa])\b|\bpreocup\w*|\bmiedo\b|\bno es justo\b|"
    r"\bllor\w*|\bme rindo\b|\bfrustr\w*|\bnervios\w*|\bangusti\w*",
)
ROLES = ("student", "parent")


def shows_distress(message: str) -> bool:
    """Distress words in any case; "AGAIN" only as written, in capitals."""
    if re.search(r"\bAGAIN\b", message):
        return True
    return bool(DISTRESS.search(message.lower()))
