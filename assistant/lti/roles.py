"""LTI roles to Waypoint roles. Instructor -> teacher, Learner -> student, Mentor -> parent
(of the learners in `role_scope_mentor` once they are known); an Administrator gets nothing
until a Waypoint administrator approves, and never Waypoint's admin role."""

from __future__ import annotations

from collections.abc import Iterable

from assistant.learners.types import Role

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
# (the role's name without its vocabulary or sub-role, Waypoint's role), strongest first
MAPPED: tuple[tuple[str, Role], ...] = (
    ("Instructor", "teacher"),
    ("Mentor", "parent"),
    ("Learner", "student"),
)
CONTEXT_ROLES = {MEMBERSHIP}  # a course role, or a short name of one (LTI 1.3 allows both)


def _course_role(uri: str) -> str | None:
    """`Instructor` for membership#Instructor, membership/Instructor#TeachingAssistant or the
    short `Instructor`; None for an institution or system role (they say nothing of the
    course)."""
    if uri.startswith(MEMBERSHIP):
        return uri.removeprefix(MEMBERSHIP).split("#")[0].split("/")[0]
    prefix = MEMBERSHIP.removesuffix("#") + "/"
    if uri.startswith(prefix):
        return uri.removeprefix(prefix).split("#")[0]
    if ":" not in uri and "/" not in uri:
        return uri
    return None


def waypoint_role(roles: Iterable[str]) -> Role | None:
    """The role a launch gives, or None (no course role Waypoint maps, or administrators)."""
    names = {name for name in (_course_role(r) for r in roles) if name}
    return next((role for name, role in MAPPED if name in names), None)


def is_administrator(roles: Iterable[str]) -> bool:
    return any(r.rsplit("#", 1)[-1] == "Administrator" for r in roles)
