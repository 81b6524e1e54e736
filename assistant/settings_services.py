"""The settings groups of the services over learners and the entry points: credentials, the
conversation and its optional language model, the HTTP API and the LTI tool (see
settings_groups for how a field keeps its environment name)."""

from __future__ import annotations

from pydantic import Field

from assistant.settings_groups import Group, env


class CredentialSettings(Group):
    """Mastery credentials (Open Badges 3.0, CLR 2.0)."""

    school_name: str = Field(
        default="Waypoint School", min_length=1, description="the issuer's name on credentials"
    )
    signing_key: str | None = Field(
        default=None,
        repr=False,
        validation_alias=env("credential_signing_key", "signing_key"),
        description="the Ed25519 key credentials are signed with: a PEM (PKCS#8) private key or "
        "its 32-byte seed in base64url. Give it in server mode so every replica signs with the "
        "same key; default: a key file created under WAYPOINT_HOME/credentials on first use",
    )
    issuer_host: str | None = Field(
        default=None,
        validation_alias=env("credential_issuer_host", "issuer_host"),
        description="the school's web host: the issuer becomes did:web:<host> (publish "
        "`waypoint credentials did-document` at https://<host>/.well-known/did.json); default: "
        "the signing key's did:key",
    )
    status_url: str | None = Field(
        default=None,
        validation_alias=env("credential_status_url", "status_url"),
        description="where the school publishes `waypoint credentials status-list` (the "
        "revocation list credentials point to); default: "
        "https://<credential_issuer_host>/credentials/status-list.json, or a local URN that "
        "only this Waypoint can check when no host is set",
    )

    @property
    def published_status_url(self) -> str | None:
        """status_url, else the list's address on the issuer's host (None: neither is set)."""
        if self.status_url or not self.issuer_host:
            return self.status_url
        host = self.issuer_host.strip().removeprefix("https://").rstrip("/")
        return f"https://{host}/credentials/status-list.json"


class ChatLimits(Group):
    """The conversation's bounds (`chat.engine.ChatEngine`)."""

    max_message_chars: int = Field(
        default=2000,
        ge=50,
        le=100_000,
        validation_alias=env("chat_max_message_chars", "max_message_chars"),
        description="longest message accepted",
    )
    max_turns: int = Field(
        default=12,
        ge=1,
        le=200,
        validation_alias=env("chat_max_turns", "max_turns"),
        description="turns kept per session",
    )
    passages: int = Field(
        default=3,
        ge=1,
        le=30,
        validation_alias=env("chat_passages", "passages"),
        description="passages per answer",
    )
    max_context_chars: int = Field(
        default=6000,
        ge=500,
        le=100_000,
        validation_alias=env("chat_max_context_chars", "max_context_chars"),
        description="characters of retrieved text per answer",
    )
    abstain_below: float = Field(
        default=0.35,
        ge=0.0,
        le=1.0,
        description="best sentence similarity under which Waypoint says it has no answer",
    )


class LLMSettings(Group):
    """The optional language model (none by default: answers are extractive)."""

    provider: str | None = Field(
        default=None,
        validation_alias=env("llm_provider", "provider"),
        description="a LangChain init_chat_model provider: openai (also any OpenAI-compatible "
        "server such as vLLM, llama.cpp or LM Studio, with llm_base_url), ollama, anthropic, ...",
    )
    model: str = Field(
        default="",
        validation_alias=env("llm_model", "model"),
        description="the model name for that provider",
    )
    base_url: str | None = Field(
        default=None,
        validation_alias=env("llm_base_url", "base_url"),
        description="endpoint of the model server",
    )
    api_key: str | None = Field(
        default=None,
        repr=False,
        validation_alias=env("llm_api_key", "api_key"),
        description="API key, if needed",
    )
    timeout: float = Field(
        default=20.0,
        gt=0,
        le=600,
        validation_alias=env("llm_timeout", "timeout"),
        description="seconds per answer",
    )
    share_learner_data: bool = Field(
        default=False,
        validation_alias=env("llm_share_learner_data", "share_learner_data"),
        description="allow learner data (pseudonymised) to be sent to an external model; a model "
        "on this machine (loopback address) may always see it",
    )


class ApiSettings(Group):
    """The HTTP API (`waypoint api`)."""

    port: int = Field(
        default=8001,
        ge=1,
        le=65535,
        validation_alias=env("api_port", "port"),
        description="port of `waypoint api`",
    )
    max_request_bytes: int = Field(
        default=11 * 1024 * 1024,
        ge=1024,
        validation_alias=env("api_max_request_bytes", "max_request_bytes"),
        description="largest request body `waypoint api` reads (CSV imports also keep to "
        "max_upload_bytes); a larger one is refused with 413",
    )
    rate_per_minute: int = Field(
        default=120,
        ge=1,
        validation_alias=env("api_rate_per_minute", "rate_per_minute"),
        description="requests per minute one API token may make (429 beyond)",
    )
    rate_burst: int = Field(
        default=30,
        ge=1,
        validation_alias=env("api_rate_burst", "rate_burst"),
        description="requests one API token may make at once before the rate",
    )
    public_url: str | None = Field(
        default=None,
        validation_alias=env("api_public_url", "public_url"),
        description="`waypoint api`'s address as the LMS reaches it (behind a proxy); default: "
        "the address each request came to",
    )


class LtiSettings(Group):
    """The LTI 1.3 tool."""

    app_url: str = Field(
        default="http://127.0.0.1:8501",
        description="the app's address as the browser reaches it: an LTI launch ends there",
    )
    jwks_cache_seconds: int = Field(
        default=3600,
        ge=0,
        validation_alias=env("lti_jwks_cache_seconds", "jwks_cache_seconds"),
        description="how long a platform's public keys are kept",
    )
    sync_on_launch: bool = Field(
        default=True,
        validation_alias=env("lti_sync_on_launch", "sync_on_launch"),
        description="sync a course's roster from the LMS (NRPS) after each teacher's launch",
    )
    grade_passback: bool = Field(
        default=False,
        validation_alias=env("lti_grade_passback", "grade_passback"),
        description="allow posting learners' levels to the LMS's gradebook (AGS) with "
        "`waypoint lti grades CLASS`",
    )
