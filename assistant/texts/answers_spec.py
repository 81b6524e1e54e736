"""The schema of prompts/answers.yaml: every answer template's key path and the names its
callers in chat/ pass (Jinja variables), in English and Spanish. A key not listed here is
refused, and so is a template that reads a variable its key does not list."""

from __future__ import annotations

from assistant.texts.schema import Section, Text, Version, in_languages, tree


def names(*found: str) -> frozenset[str]:
    return frozenset(found)


ANSWER_NAMES: dict[str, frozenset[str]] = {
    "no_answer": names("suggestions"),
    "do_the_work": names("suggestions"),
    "suggestions.student": names(),
    "suggestions.parent": names(),
    "suggestions.teacher": names(),
    "suggestions.leader": names(),
    "suggestions.admin": names(),
    "small_talk.greeting": names("suggestions"),
    "small_talk.thanks": names(),
    "intro.explain_cbe": names(),
    "intro.explain_competency": names("topic"),
    "intro.explain_level": names("topic"),
    "intro.intervention": names("topic"),
    "intro.resources": names("topic"),
    "intro.progress": names("learner", "own"),
    "intro.next_steps": names("learner", "one", "own"),
    "more_steps": names("own"),
    "step": names("bar", "code", "level", "n", "name", "own", "resource", "tip", "title"),
    "no_steps": names("reason"),
    "no_evidence_on": names("code", "learner", "own", "title"),
    "progress_below": names("bar", "below", "learner", "own"),
    "progress_met": names("count", "examples", "learner", "named", "own"),
    "readiness.heading": names("bar", "bar_name", "code", "learner", "own", "title"),
    "readiness.row": names("code", "label", "level", "met", "title"),
    "readiness.ready": names("learner", "own"),
    "readiness.none": names("code"),
    "overview.line": names(
        "bar", "bar_name", "below", "code", "level", "mastered", "name", "own", "title"
    ),
    "overview.most": names("name"),
    "overview.even": names(),
    "listing": names("count", "framework"),
    "exit_check": names("check", "code", "guide", "section", "title"),
    "acknowledge.student": names(),
    "acknowledge.parent": names(),
    "need_learner": names("choices"),
    "not_allowed": names(),
    "competency": names("code", "next", "prerequisites", "statement"),
    "level": names("description", "label", "score"),
    "fallback_notice": names(),
    "simpler_for_parent": names(),
    "simpler": names(),
    "index_unavailable.notice": names(),
    "index_unavailable.answer": names(),
    "also_from": names("title"),
    "try_these": names("title"),
    "written_for": names("audience", "title"),
    "yes_no.no": names(),
    "level_meaning.lead": names("english", "label", "score"),
    "level_meaning.scale": names("levels"),
    "level_meaning.query": names("label", "score"),
    "level_meaning.on_code": names("code", "description", "score", "title"),
    "class.stuck_heading": names("as_of", "class_id"),
    "class.stuck": names("advice", "code", "names", "title"),
    "class.nobody_stuck": names("class_id", "min"),
    "class.groups_heading": names("class_id"),
    "class.group": names("activity", "exit_check", "focus", "names", "review_by", "title"),
    "class.no_groups": names("class_id"),
    "class.conferences": names("names"),
    "class.on_code": names(
        "bar", "below", "class_id", "code", "names", "reached", "title", "total", "unseen"
    ),
    "class.ready": names("bar", "class_id", "names"),
    "class.on_code_reached": names(
        "bar", "below", "class_id", "code", "names", "reached", "title", "total", "unseen"
    ),
    "class.tiers_heading": names("class_id"),
    "class.tier": names("name", "reason", "tier"),
    "class.no_tiers": names("class_id"),
    "school.responsive_heading": names("end", "scope", "start"),
    "school.scope_school": names(),
    "school.scope_own": names(),
    "school.responsive_row": names(
        "class_id", "mastered", "name", "not_ready", "off", "quiet", "stuck"
    ),
    "school.responsive_definition": names(),
    "school.no_classes": names(),
    "school.worked_heading": names("code", "end", "start", "title"),
    "school.worked_team": names("classes", "go_to", "team"),
    "school.worked_activity": names("activity", "days", "learners", "reached"),
    "school.worked_comparison": names("days", "learners", "reached"),
    "school.worked_nothing": names("classes", "team"),
    "school.worked_caution": names(),
    "school.worked_which": names(),
    "need_user": names(),
    "children_only": names("count", "names"),
    "which_class": names("classes"),
}


def answers_schema() -> Section:
    leaves = {key: in_languages(Text(found, "jinja")) for key, found in ANSWER_NAMES.items()}
    body = tree(leaves)
    return Section({"version": Version(), **body.keys})
