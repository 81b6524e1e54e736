"""LTI Deep Linking 2.0 (the message the issue calls Deep Linking 1.0 in LTI 1.3): a teacher
places Waypoint links in an LMS module.

The deep-linking launch (a teacher's only) is validated and provisioned like any launch; the
tool then shows a small picker: the class view, or a competency of the class's framework that
has a practice resource. The picker carries a single-use token signed by the tool (15 minutes),
so the choice can come back only once and only from this launch. The answer is a
`LtiDeepLinkingResponse` JWT signed with the tool's key, posted by the browser to the
platform's `deep_link_return_url`, with `ltiResourceLink` content items whose custom parameter
`waypoint_target` says where a later launch of the link lands."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from joserfc import jwt

from assistant.frameworks.catalog import FrameworkCatalog
from assistant.learners.db import LearnerDatabase, SchoolClass
from assistant.lti.handoff import Handoffs
from assistant.lti.keys import ToolKeys
from assistant.lti.launch import CLAIM, DL_CLAIM, TARGET, Launch, LaunchError
from assistant.lti.platforms import Platform, PlatformRegistry

PICKER_AUDIENCE = "waypoint-deep-link"
PICKER_SECONDS = 15 * 60
RESPONSE = "LtiDeepLinkingResponse"
CLASS_TARGET = "class"
COMPETENCY = "competency:"
MAX_CHOICES = 400


@dataclass(frozen=True)
class Choice:
    target: str  # "class" or "competency:<CASE identifier>"
    title: str


@dataclass(frozen=True)
class Picker:
    token: str
    class_name: str
    choices: tuple[Choice, ...]
    multiple: bool


@dataclass(frozen=True)
class DeepLinkAnswer:
    return_url: str
    jwt: str
    items: int
    platform: Platform


class DeepLinks:
    def __init__(
        self,
        db: LearnerDatabase,
        keys: ToolKeys,
        handoffs: Handoffs,
        platforms: PlatformRegistry,
        catalog: Callable[[], FrameworkCatalog],
    ) -> None:
        self.db = db
        self.keys = keys
        self.handoffs = handoffs
        self.platforms = platforms
        self.catalog = catalog

    def picker(self, launch: Launch, user_id: str, class_id: str | None) -> Picker:
        request = launch.deep_link
        assert request is not None
        if class_id is None:
            raise LaunchError("deep linking needs a course: add Waypoint from inside a course")
        extra: dict[str, object] = {
            "platform": launch.platform.id,
            "deployment": launch.deployment_id,
            "return": request.return_url,
            "class": class_id,
            "multiple": request.accept_multiple,
        }
        if request.data is not None:
            extra["data"] = request.data
        token = self.handoffs.issue_once(user_id, PICKER_AUDIENCE, extra, PICKER_SECONDS)
        name, choices = self.choices(class_id)
        return Picker(token, name, choices, request.accept_multiple)

    def choices(self, class_id: str) -> tuple[str, tuple[Choice, ...]]:
        """The class's name, and what can be linked: the class view first, then each
        competency of its framework with a practice resource."""
        with self.db.session() as session:
            row = session.get(SchoolClass, class_id)
            name, framework = (row.name, row.framework_id) if row else (class_id, None)
        found = [Choice(CLASS_TARGET, f"Class view: {name}")]
        if framework:
            catalog = self.catalog()
            for entry in catalog.assessable([framework]):
                resources = catalog.resources(entry.identifier)
                if resources:
                    label = f"{entry.code}: {entry.title}" if entry.code else entry.title
                    found.append(Choice(COMPETENCY + entry.identifier, f"Practice: {label}"))
                if len(found) >= MAX_CHOICES:
                    break
        return name, tuple(found)

    def answer(self, token: str, chosen: Sequence[str], launch_url: str) -> DeepLinkAnswer:
        """The signed LtiDeepLinkingResponse for the chosen targets (the picker token is spent
        here: a second answer from the same picker is refused)."""
        claims = self.handoffs.redeem_once(token, PICKER_AUDIENCE)
        if claims is None:
            raise LaunchError(
                "this choice has expired or was sent already: add the link again from the LMS"
            )
        _, offered = self.choices(str(claims["class"]))
        titles = {choice.target: choice.title for choice in offered}
        wanted = list(dict.fromkeys(chosen))
        if not wanted:
            raise LaunchError("choose what to link: the class view or a practice resource")
        unknown = [target for target in wanted if target not in titles]
        if unknown:
            raise LaunchError(f"{unknown[0]!r} is not one of the links offered")
        if len(wanted) > 1 and claims.get("multiple") is not True:
            raise LaunchError("the LMS accepts one link here: choose one")
        platform = self.platforms.get(int(claims["platform"]))
        items = [
            {
                "type": "ltiResourceLink",
                "title": titles[target][:200],
                "url": launch_url,
                "custom": {TARGET: target},
            }
            for target in wanted
        ]
        now = int(time.time())
        response: dict[str, object] = {
            "iss": platform.client_id,
            "aud": platform.issuer,
            "iat": now,
            "exp": now + 600,
            "nonce": secrets.token_urlsafe(16),
            CLAIM + "message_type": RESPONSE,
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": str(claims["deployment"]),
            DL_CLAIM + "content_items": items,
        }
        if isinstance(claims.get("data"), str):
            response[DL_CLAIM + "data"] = claims["data"]
        key = self.keys.current()
        signed = jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, response, key)
        return DeepLinkAnswer(str(claims["return"]), signed, len(items), platform)


def competency_of(target: str) -> str | None:
    """The CASE identifier a deep-linked link's target names, if it names one."""
    if target.startswith(COMPETENCY):
        identifier = target.removeprefix(COMPETENCY).strip()
        return identifier or None
    return None
