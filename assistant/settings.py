"""All configuration in one place: environment variables with the prefix WAYPOINT_."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent
# Where a wheel puts the folders that sit beside the package in a source checkout
# (pyproject.toml, [tool.hatch.build.targets.wheel.force-include]).
BUNDLED_DIR = "_bundled"


def bundled_path(name: str) -> Path:
    """A folder shipped with Waypoint (knowledge, prompts, ui): the installed package's copy,
    else the source checkout's, beside the package."""
    installed = Path(str(files("assistant").joinpath(BUNDLED_DIR, name)))
    return installed if installed.is_dir() else PACKAGE_ROOT.parent / name


BUNDLED_KNOWLEDGE = bundled_path("knowledge")
BUNDLED_PROMPTS = bundled_path("prompts")

# Values a profile sets unless the environment sets them explicitly.
PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    # tests embed with torch, the reference backend their thresholds were measured with (and
    # without an ONNX export per temporary home); tests of the int8 backend ask for it
    "test": {
        "show_progress": False,
        "embedding_batch_size": 64,
        "leader_precompute": "off",
        "embedding_backend": "torch",
        # the test index is built once per session: its answers embed the few passages
        # they compare, instead of every passage's variants at ingest (2.6 texts a chunk)
        "passage_vectors_at_ingest": False,
    },
}


def default_home() -> Path:
    """A per-user data folder, following the XDG convention."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "waypoint"


class Settings(BaseSettings):
    """Waypoint's settings. Every field can be set as WAYPOINT_<FIELD> in the environment."""

    model_config = SettingsConfigDict(env_prefix="WAYPOINT_", extra="ignore")

    profile: Literal["default", "test"] = "default"
    home: Path = Field(default_factory=default_home)
    knowledge_dir: Path = BUNDLED_KNOWLEDGE
    prompts_dir: Path = BUNDLED_PROMPTS
    show_progress: bool = True
    demo_school: bool = Field(
        default=True,
        description="load the bundled demo school into an empty learner database and offer its "
        "demo accounts on the sign-in page (turn off for a real school)",
    )
    ui_port: int = Field(default=8501, ge=1, le=65535, description="port of `waypoint ui`")
    # HTTP API and LTI 1.3 (`waypoint api`) ---------------------------------------------
    api_port: int = Field(default=8001, ge=1, le=65535, description="port of `waypoint api`")
    api_max_request_bytes: int = Field(
        default=11 * 1024 * 1024,
        ge=1024,
        description="largest request body `waypoint api` reads (CSV imports also keep to "
        "max_upload_bytes); a larger one is refused with 413",
    )
    api_rate_per_minute: int = Field(
        default=120, ge=1, description="requests per minute one API token may make (429 beyond)"
    )
    api_rate_burst: int = Field(
        default=30, ge=1, description="requests one API token may make at once before the rate"
    )
    app_url: str = Field(
        default="http://127.0.0.1:8501",
        description="the app's address as the browser reaches it: an LTI launch ends there",
    )
    api_public_url: str | None = Field(
        default=None,
        description="`waypoint api`'s address as the LMS reaches it (behind a proxy); default: "
        "the address each request came to",
    )
    lti_jwks_cache_seconds: int = Field(
        default=3600, ge=0, description="how long a platform's public keys are kept"
    )
    lti_sync_on_launch: bool = Field(
        default=True,
        description="sync a course's roster from the LMS (NRPS) after each teacher's launch",
    )
    lti_grade_passback: bool = Field(
        default=False,
        description="allow posting learners' levels to the LMS's gradebook (AGS) with "
        "`waypoint lti grades CLASS`",
    )
    oidc_unverified_email_issuers: tuple[str, ...] = Field(
        default=(),
        description="issuers (`iss`) of identity providers that never send `email_verified` "
        "(Microsoft Entra ID); their emails are trusted without it. Every other provider must "
        "say the email is verified",
    )

    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_batch_size: int = Field(default=32, ge=1, le=1024)
    embedding_backend: Literal["onnx-int8", "torch"] = Field(
        default="onnx-int8",
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
    embedding_threads: int = Field(
        default=1,
        ge=1,
        le=64,
        description="threads one question is embedded with (onnx-int8); 1 keeps simultaneous "
        "questions from fighting over the cores. An ingest's batches use every core",
    )

    vector_store: Literal["embedded", "server"] = "embedded"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = Field(default=8000, ge=1, le=65535)
    chroma_ssl: bool = Field(
        default=False, description="reach the Chroma server over HTTPS (e.g. behind a TLS proxy)"
    )
    chroma_token: str | None = Field(
        default=None,
        repr=False,
        description="sent as 'Authorization: Bearer <token>' to the Chroma server (or its proxy)",
    )
    collection: str = "waypoint"
    hnsw_ef_search: int = Field(default=128, ge=10, le=4096)
    hnsw_ef_construction: int = Field(default=200, ge=10, le=4096)

    chunk_size: int = Field(default=1000, ge=200, le=8000)
    chunk_overlap: int = Field(default=150, ge=0, le=2000)
    max_file_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="largest CSV file (evidence, roster, overrides) an import accepts",
    )

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

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the learner database (e.g. postgresql+psycopg://...); "
        "default: the SQLite file waypoint.sqlite3 under WAYPOINT_HOME",
    )
    database_create: bool = Field(
        default=False,
        description="create the SQLite file database_url names when it does not exist; "
        "otherwise a missing file is refused, naming it (a mistyped path must not silently "
        "start an empty school). The default database under WAYPOINT_HOME is always created",
    )
    mastery_model: Literal["scale", "bkt"] = Field(
        default="scale",
        description="how a level is estimated from evidence: 'scale' (decaying average of the "
        "last mastery_window pieces on the proficiency scale) or 'bkt' (Bayesian Knowledge "
        "Tracing with parameters fitted to the school's evidence)",
    )
    mastery_window: int = Field(
        default=4, ge=1, le=50, description="how many of the most recent pieces of evidence count"
    )
    mastery_decay: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="weight of each older piece relative to the next newer one in the window: "
        "0 = most recent only, 1 = plain mean of the window",
    )
    bkt_mastery_threshold: float = Field(
        default=0.95, gt=0.5, lt=1.0, description="P(known) at which BKT calls a learner proficient"
    )
    bkt_min_learners: int = Field(
        default=10,
        ge=2,
        description="fewer learners with evidence on a competency than this: BKT uses its "
        "standard default parameters instead of fitting them",
    )
    next_steps_limit: int = Field(default=5, ge=1, le=50, description="next steps shown")
    rank_weight_unlocks: float = Field(
        default=1.0, ge=0.0, description="score per competency a step opens straight away"
    )
    rank_weight_nearness: float = Field(
        default=2.0, ge=0.0, description="score for being all the way to proficient (scaled 0-1)"
    )
    rank_weight_struggle: float = Field(
        default=1.0, ge=0.0, description="score for recent evidence below proficient (scaled 0-1)"
    )
    rank_weight_priority: float = Field(
        default=3.0, ge=0.0, description="score for a competency a teacher made a class focus"
    )
    struggle_days: int = Field(
        default=21, ge=1, description="evidence this recent counts as recent struggle"
    )
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
    audit_retention_days: int = Field(
        default=730,
        ge=1,
        description="audit-log entries older than this are deleted by `waypoint retention --apply`",
    )
    feedback_retention_days: int = Field(
        default=365,
        ge=1,
        description="answer feedback older than this is deleted by `waypoint retention --apply`",
    )
    attribute_retention_days: int = Field(
        default=400,
        ge=1,
        description="learner attributes for equity figures (IEP, 504, English learner, groups) "
        "that no roster import has confirmed for this long are deleted by `waypoint retention "
        "--apply`",
    )
    equity_min_group: int = Field(
        default=10,
        ge=5,
        description="smallest group of learners an equity figure is shown for (never under 5)",
    )
    leader_precompute: Literal["background", "inline", "off"] = Field(
        default="background",
        description="after an evidence or roster import, recompute the leaders' school figures "
        "in the background, at once (inline), or only when a leader opens the page (off)",
    )

    # mastery credentials (Open Badges 3.0, CLR 2.0) ---------------------------------------
    school_name: str = Field(
        default="Waypoint School", min_length=1, description="the issuer's name on credentials"
    )
    credential_signing_key: str | None = Field(
        default=None,
        repr=False,
        description="the Ed25519 key credentials are signed with: a PEM (PKCS#8) private key or "
        "its 32-byte seed in base64url. Give it in server mode so every replica signs with the "
        "same key; default: a key file created under WAYPOINT_HOME/credentials on first use",
    )
    credential_issuer_host: str | None = Field(
        default=None,
        description="the school's web host: the issuer becomes did:web:<host> (publish "
        "`waypoint credentials did-document` at https://<host>/.well-known/did.json); default: "
        "the signing key's did:key",
    )
    credential_status_url: str | None = Field(
        default=None,
        description="where the school publishes `waypoint credentials status-list` (the "
        "revocation list credentials point to); default: "
        "https://<credential_issuer_host>/credentials/status-list.json, or a local URN that "
        "only this Waypoint can check when no host is set",
    )

    # conversation -----------------------------------------------------------------------
    chat_max_message_chars: int = Field(
        default=2000, ge=50, le=100_000, description="longest message accepted"
    )
    chat_max_turns: int = Field(default=12, ge=1, le=200, description="turns kept per session")
    chat_passages: int = Field(default=3, ge=1, le=30, description="passages per answer")
    chat_max_context_chars: int = Field(
        default=6000, ge=500, le=100_000, description="characters of retrieved text per answer"
    )
    abstain_below: float = Field(
        default=0.35,
        ge=0.0,
        le=1.0,
        description=("best sentence similarity under which Waypoint says it has no answer"),
    )

    # optional language model (none by default: answers are extractive) -------------------
    llm_provider: str | None = Field(
        default=None,
        description=(
            "a LangChain init_chat_model provider: openai (also any OpenAI-compatible server such "
            "as vLLM, llama.cpp or LM Studio, with llm_base_url), ollama, anthropic, ..."
        ),
    )
    llm_model: str = Field(default="", description="the model name for that provider")
    llm_base_url: str | None = Field(default=None, description="endpoint of the model server")
    llm_api_key: str | None = Field(default=None, repr=False, description="API key, if needed")
    llm_timeout: float = Field(default=20.0, gt=0, le=600, description="seconds per answer")
    llm_share_learner_data: bool = Field(
        default=False,
        description=(
            "allow learner data (pseudonymised) to be sent to an external model; a model on this "
            "machine (loopback address) may always see it"
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_profile(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        profile = data.get("profile") or os.environ.get("WAYPOINT_PROFILE", "default")
        for key, value in PROFILES.get(str(profile), {}).items():
            if key not in data and f"WAYPOINT_{key.upper()}" not in os.environ:
                data[key] = value
        return data

    @model_validator(mode="after")
    def _check_overlap(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        if self.group_min_size > self.group_max_size:
            raise ValueError("group_min_size must not exceed group_max_size")
        return self

    @property
    def index_db(self) -> Path:
        return self.home / "index.sqlite3"

    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    @property
    def db_url(self) -> str:
        """The learner database: database_url, else a SQLite file under home."""
        return self.database_url or f"sqlite:///{self.home / 'waypoint.sqlite3'}"

    @property
    def db_may_create(self) -> bool:
        """Whether a missing SQLite file at db_url may be created: the default one, or when
        database_create is set."""
        return self.database_url is None or self.database_create
