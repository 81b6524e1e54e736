"""LTI roles to Waypoint roles. Instructor -> teacher, Learner -> student, Mentor -> parent
(of the learners in `role_scope_mentor` once they are known); an Administrator (of the
course, the institution or the system) with no course role -> leader, the read-only role of
school-wide figures, and never Waypoint's admin role."""

from __future__ import annotations

from collections.abc import Iterable

from assistant.learners.types import Role

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
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
    """The role a launch gives: a course role first (an Instructor who is also an institution
    Administrator teaches), then leader for an Administrator; None when Waypoint knows none."""
    given = list(roles)
    names = {name for name in (_course_role(r) for r in given) if name}
    found = next((role for name, role in MAPPED if name in names), None)
    if found is None and is_administrator(given):
        return "leader"
    return found


def is_administrator(roles: Iterable[str]) -> bool:
    """An Administrator of the course (membership#Administrator, or its short name), of the
    institution or of the system."""
    return any(
        _course_role(r) == "Administrator"
        or r in (INSTITUTION + "Administrator", SYSTEM + "Administrator")
        for r in roles
    )
