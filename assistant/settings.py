"""All configuration in one place: environment variables with the prefix WAYPOINT_."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent
BUNDLED_KNOWLEDGE = PACKAGE_ROOT.parent / "knowledge"
BUNDLED_PROMPTS = PACKAGE_ROOT.parent / "prompts"

# Values a profile sets unless the environment sets them explicitly.
PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    "test": {"show_progress": False, "embedding_batch_size": 64},
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

    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_batch_size: int = Field(default=32, ge=1, le=1024)

    vector_store: Literal["embedded", "server"] = "embedded"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8000
    collection: str = "waypoint"
    hnsw_ef_search: int = Field(default=128, ge=10, le=4096)
    hnsw_ef_construction: int = Field(default=200, ge=10, le=4096)

    chunk_size: int = Field(default=1000, ge=200, le=8000)
    chunk_overlap: int = Field(default=150, ge=0, le=2000)
    max_file_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)

    rrf_k: int = Field(default=60, ge=1)
    dense_weight: float = Field(default=1.0, ge=0.0)
    lexical_weight: float = Field(default=1.0, ge=0.0)
    candidate_pool: int = Field(default=40, ge=5, le=500)

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
