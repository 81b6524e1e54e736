"""The groups of settings, one pydantic model each, passed straight to the parts that use them.

Each value has its one default here. A field keeps the environment name it always had: the
first of its `validation_alias` choices (WAYPOINT_ + that name), else its own name (the class
rules). `assistant.settings.Settings` holds one of each group; the groups of the services
and entry points are in `settings_services`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


def env(name: str, field: str) -> AliasChoices:
    """Accept a field by its environment name (without WAYPOINT_) or by its own name."""
    return AliasChoices(name, field)


class Group(BaseModel):
    """A group of settings: immutable, so a part can hold it and share it safely."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class EmbeddingSettings(Group):
    model: str = Field(default="all-MiniLM-L6-v2", validation_alias=env("embedding_model", "model"))
    batch_size: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        validation_alias=env("embedding_batch_size", "batch_size"),
        description="texts encoded per batch; unset: the backend's own (torch 32, onnx-int8 16)",
    )
    backend: Literal["onnx-int8", "torch"] = Field(
        default="onnx-int8",
        validation_alias=env("embedding_backend", "backend"),
        description="onnx-int8: the model's int8 ONNX graph (made once from its local files "
        "into <home>/models; no torch at question time); torch: sentence-transformers, the "
        "reference. The index remembers which one built it: changing this re-embeds it on "
        "the next `waypoint ingest`",
    )
    passage_vectors_at_ingest: bool = Field(
        default=True,
        description="embed, at ingest, every text answers compare a question with (section "
        "leads and later paragraphs), so answering embeds only the question",
    )
    threads: int = Field(
        default=1,
        ge=1,
        le=64,
        validation_alias=env("embedding_threads", "threads"),
        description="threads one question is embedded with (onnx-int8); 1 keeps simultaneous "
        "questions from fighting over the cores. An ingest's batches use every core",
    )


class VectorStoreSettings(Group):
    kind: Literal["embedded", "server"] = Field(
        default="embedded", validation_alias=env("vector_store", "kind")
    )
    host: str = Field(default="127.0.0.1", validation_alias=env("chroma_host", "host"))
    port: int = Field(default=8000, ge=1, le=65535, validation_alias=env("chroma_port", "port"))
    ssl: bool = Field(
        default=False,
        validation_alias=env("chroma_ssl", "ssl"),
        description="reach the Chroma server over HTTPS (e.g. behind a TLS proxy)",
    )
    token: str | None = Field(
        default=None,
        repr=False,
        validation_alias=env("chroma_token", "token"),
        description="sent as 'Authorization: Bearer <token>' to the Chroma server (or its proxy)",
    )
    collection: str = "waypoint"
    hnsw_ef_search: int = Field(default=128, ge=10, le=4096)
    hnsw_ef_construction: int = Field(default=200, ge=10, le=4096)


class IngestSettings(Group):
    chunk_size: int = Field(default=1000, ge=200, le=8000)
    chunk_overlap: int = Field(default=150, ge=0, le=2000)
    max_file_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)


class RetrievalSettings(Group):
    rrf_k: int = Field(default=60, ge=1)
    dense_weight: float = Field(default=1.0, ge=0.0)
    lexical_weight: float = Field(default=1.0, ge=0.0)
    dense_weight_es: float = Field(
        default=1.0,
        ge=0.0,
        description=(
            "dense weight for Spanish queries (the bundled MiniLM is English-only; on the "
            "Spanish gold questions 1.0 measured better than 0.3: evals/reports/retrieval.md)"
        ),
    )
    candidate_pool: int = Field(default=40, ge=5, le=500)


class MasterySettings(Group):
    model: Literal["scale", "bkt"] = Field(
        default="scale",
        validation_alias=env("mastery_model", "model"),
        description="how a level is estimated from evidence: 'scale' (decaying average of the "
        "last mastery_window pieces on the proficiency scale) or 'bkt' (Bayesian Knowledge "
        "Tracing with parameters fitted to the school's evidence)",
    )
    window: int = Field(
        default=4,
        ge=1,
        le=50,
        validation_alias=env("mastery_window", "window"),
        description="how many of the most recent pieces of evidence count",
    )
    decay: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        validation_alias=env("mastery_decay", "decay"),
        description="weight of each older piece relative to the next newer one in the window: "
        "0 = most recent only, 1 = plain mean of the window",
    )
    bkt_threshold: float = Field(
        default=0.95,
        gt=0.5,
        lt=1.0,
        validation_alias=env("bkt_mastery_threshold", "bkt_threshold"),
        description="P(known) at which BKT calls a learner proficient",
    )
    bkt_min_learners: int = Field(
        default=10,
        ge=2,
        description="fewer learners with evidence on a competency than this: BKT uses its "
        "standard default parameters instead of fitting them",
    )


class RankingWeights(Group):
    """How next steps are scored (`recommend.next_steps.Recommender`)."""

    unlocks: float = Field(
        default=1.0,
        ge=0.0,
        validation_alias=env("rank_weight_unlocks", "unlocks"),
        description="score per competency a step opens straight away",
    )
    nearness: float = Field(
        default=2.0,
        ge=0.0,
        validation_alias=env("rank_weight_nearness", "nearness"),
        description="score for being all the way to proficient (scaled 0-1)",
    )
    struggle: float = Field(
        default=1.0,
        ge=0.0,
        validation_alias=env("rank_weight_struggle", "struggle"),
        description="score for recent evidence below proficient (scaled 0-1)",
    )
    priority: float = Field(
        default=3.0,
        ge=0.0,
        validation_alias=env("rank_weight_priority", "priority"),
        description="score for a competency a teacher made a class focus",
    )


class NextStepsSettings(Group):
    limit: int = Field(
        default=5,
        ge=1,
        le=50,
        validation_alias=env("next_steps_limit", "limit"),
        description="next steps shown",
    )
    struggle_days: int = Field(
        default=21, ge=1, description="evidence this recent counts as recent struggle"
    )


class ClassRules(Group):
    """The class report's rules (`recommend.gaps`, `recommend.class_report`, `leaders`)."""

    stuck_days: int = Field(
        default=14,
        ge=1,
        description="a learner is stuck when the evidence window spans this many days without "
        "a gain and is still below proficient",
    )
    stuck_min_learners: int = Field(
        default=3, ge=1, description="learners stuck on a competency before the class view lists it"
    )
    reteach_share: float = Field(
        default=0.5,
        gt=0.0,
        le=1.0,
        description="share of a class stuck on a competency that points to reteaching the class",
    )
    group_min_size: int = Field(
        default=2, ge=1, description="smallest flexible group; a learner alone gets a conference"
    )
    group_max_size: int = Field(default=6, ge=2, description="largest flexible group")
    group_review_days: int = Field(
        default=7, ge=1, description="flexible groups are reviewed (and dissolved) after this"
    )
    intensive_gap_links: int = Field(
        default=3,
        ge=1,
        description="prerequisite links a known gap reaches back before intensive support is "
        "suggested",
    )
    intensive_stuck_count: int = Field(
        default=3, ge=2, description="competencies stuck at once before intensive is suggested"
    )
    absence_days: int = Field(
        default=21, ge=1, description="a gap in a learner's evidence this long is flagged"
    )


class RetentionSettings(Group):
    audit_days: int = Field(
        default=730,
        ge=1,
        validation_alias=env("audit_retention_days", "audit_days"),
        description="audit-log entries older than this are deleted by `waypoint retention --apply`",
    )
    feedback_days: int = Field(
        default=365,
        ge=1,
        validation_alias=env("feedback_retention_days", "feedback_days"),
        description="answer feedback older than this is deleted by `waypoint retention --apply`",
    )
    attribute_days: int = Field(
        default=400,
        ge=1,
        validation_alias=env("attribute_retention_days", "attribute_days"),
        description="learner attributes for equity figures (IEP, 504, English learner, groups) "
        "that no roster import has confirmed for this long are deleted by `waypoint retention "
        "--apply`",
    )


class LeaderSettings(Group):
    equity_min_group: int = Field(
        default=10,
        ge=5,
        description="smallest group of learners an equity figure is shown for (never under 5)",
    )
    precompute: Literal["background", "inline", "off"] = Field(
        default="background",
        validation_alias=env("leader_precompute", "precompute"),
        description="after an evidence or roster import, recompute the leaders' school figures "
        "in the background, at once (inline), or only when a leader opens the page (off)",
    )
