"""All configuration in one place: environment variables with the prefix WAYPOINT_."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from assistant.settings_groups import (
    ClassRules,
    EmbeddingSettings,
    IngestSettings,
    LeaderSettings,
    MasterySettings,
    NextStepsSettings,
    RankingWeights,
    RetentionSettings,
    RetrievalSettings,
    VectorStoreSettings,
)
from assistant.settings_services import (
    ApiSettings,
    ChatLimits,
    CredentialSettings,
    LLMSettings,
    LtiSettings,
)

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


class SettingsError(ValueError):
    """Settings that do not validate; each problem names its WAYPOINT_ variable."""


class Settings(BaseSettings):
    """Waypoint's settings: a few top-level values and one group per part (settings_groups).

    Every value can be set as WAYPOINT_<NAME> in the environment, under the name it had when
    the settings were one flat class (WAYPOINT_CHAT_PASSAGES sets `chat.passages`); the same
    names are accepted as keyword arguments (`Settings(chat_passages=3)`)."""

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
    oidc_unverified_email_issuers: tuple[str, ...] = Field(
        default=(),
        description="issuers (`iss`) of identity providers that never send `email_verified` "
        "(Microsoft Entra ID); their emails are trusted without it. Every other provider must "
        "say the email is verified",
    )
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
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="largest CSV file (evidence, roster, overrides) an import accepts",
    )

    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    store: VectorStoreSettings = Field(default_factory=VectorStoreSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    mastery: MasterySettings = Field(default_factory=MasterySettings)
    ranking: RankingWeights = Field(default_factory=RankingWeights)
    next_steps: NextStepsSettings = Field(default_factory=NextStepsSettings)
    class_rules: ClassRules = Field(default_factory=ClassRules)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    leaders: LeaderSettings = Field(default_factory=LeaderSettings)
    credentials: CredentialSettings = Field(default_factory=CredentialSettings)
    chat: ChatLimits = Field(default_factory=ChatLimits)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    lti: LtiSettings = Field(default_factory=LtiSettings)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError(describe_errors(exc)) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        flat = GroupEnvironment(settings_cls)
        return init_settings, flat, env_settings, dotenv_settings, file_secret_settings

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, data: Any) -> Any:
        """Apply the profile, then move each value given by its flat name into its group."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        profile = data.get("profile") or os.environ.get("WAYPOINT_PROFILE", "default")
        for key, value in PROFILES.get(str(profile), {}).items():
            if not _given(data, key) and f"WAYPOINT_{key.upper()}" not in os.environ:
                data[key] = value
        for flat in [key for key in data if key in GROUPED]:
            group, field = GROUPED[flat]
            values = _as_dict(data.get(group))
            values.pop(field, None)
            values[flat] = data.pop(flat)
            data[group] = values
        return data

    @model_validator(mode="after")
    def _check_overlap(self) -> Settings:
        if self.ingest.chunk_overlap >= self.ingest.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        if self.class_rules.group_min_size > self.class_rules.group_max_size:
            raise ValueError("group_min_size must not exceed group_max_size")
        return self

    def updated(self, **changes: Any) -> Settings:
        """A copy with some values changed, named as in the environment (`chat_passages=5`)
        or by group (`chat=ChatLimits(...)`), validated like the original."""
        data: dict[str, Any] = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self).model_validate({**data, **changes})

    def value(self, name: str) -> Any:
        """A value by its environment name without WAYPOINT_ (`chat_passages`, `home`)."""
        if name in GROUPED:
            group, field = GROUPED[name]
            return getattr(getattr(self, group), field)
        return getattr(self, name)

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


def grouped_names() -> dict[str, tuple[str, str]]:
    """Every grouped value's environment name (without WAYPOINT_) -> (group, field)."""
    names: dict[str, tuple[str, str]] = {}
    for group, info in Settings.model_fields.items():
        model = info.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for field, detail in model.model_fields.items():
            alias = detail.validation_alias
            names[str(alias.choices[0]) if isinstance(alias, AliasChoices) else field] = (
                group,
                field,
            )
    return names


GROUPED = grouped_names()
_GROUPS = {group for group, _ in GROUPED.values()}


def environment_names() -> dict[str, str]:
    """Every variable Waypoint reads -> where its value lands ("chat.passages", "home")."""
    top = {name for name, info in Settings.model_fields.items() if name not in _GROUPS}
    names = {f"WAYPOINT_{name.upper()}": name for name in top}
    names.update({f"WAYPOINT_{flat.upper()}": ".".join(at) for flat, at in GROUPED.items()})
    return names


class GroupEnvironment(PydanticBaseSettingsSource):
    """Reads WAYPOINT_<NAME> for every grouped value into its group, by its flat name."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything is read in __call__

    def __call__(self) -> dict[str, Any]:
        environ = {key.upper(): value for key, value in os.environ.items()}
        found: dict[str, dict[str, Any]] = {}
        for flat, (group, _field) in GROUPED.items():
            value = environ.get(f"WAYPOINT_{flat.upper()}")
            if value is not None:
                found.setdefault(group, {})[flat] = value
        return found


def describe_errors(exc: ValidationError) -> str:
    """One line per problem, naming the WAYPOINT_ variable (or the rule) it breaks."""
    lines = []
    for error in exc.errors():
        names = [str(part) for part in error["loc"] if isinstance(part, str)]
        where = f"WAYPOINT_{names[-1].upper()}: " if names else ""
        lines.append(f"{where}{error['msg']}")  # not the value given: it may be a secret
    return "invalid settings: " + "; ".join(lines)


def _given(data: dict[str, Any], flat: str) -> bool:
    if flat in data or flat not in GROUPED:
        return flat in data
    group, field = GROUPED[flat]
    values = data.get(group)
    return isinstance(values, BaseModel) or (
        isinstance(values, dict) and (flat in values or field in values)
    )


def _as_dict(values: Any) -> dict[str, Any]:
    if isinstance(values, BaseModel):
        return values.model_dump()
    return dict(values) if isinstance(values, dict) else {}
