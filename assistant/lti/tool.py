"""The LTI 1.3 tool as one service: login, launch (validate, provision, hand off), its keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from assistant.learners.audit import AuditLog
from assistant.learners.db import LearnerDatabase
from assistant.lti.handoff import PAGES, Handoffs
from assistant.lti.keys import ToolKeys
from assistant.lti.launch import LaunchValidator
from assistant.lti.platforms import Fetch, JwksCache, PlatformRegistry, fetch_jwks
from assistant.lti.provision import Provisioned, Provisioner


@dataclass(frozen=True)
class Landing:
    """Where a launch sends the browser: the app's page with a hand-off token."""

    url: str
    who: Provisioned


class LtiTool:
    def __init__(
        self,
        db: LearnerDatabase,
        audit: AuditLog,
        keys: ToolKeys,
        *,
        app_url: str,
        jwks_seconds: int,
        fetch: Fetch = fetch_jwks,
    ) -> None:
        self.keys = keys
        self.platforms = PlatformRegistry(db)
        self.validator = LaunchValidator(db, self.platforms, JwksCache(jwks_seconds, fetch))
        self.provisioner = Provisioner(db, audit)
        self.handoffs = Handoffs(db, keys)
        self.app_url = app_url.rstrip("/")

    def login(self, params: Mapping[str, str], redirect_uri: str) -> str:
        return self.validator.login(params, redirect_uri)

    def launch(self, id_token: str, state: str) -> Landing:
        launch = self.validator.validate(id_token, state)
        who = self.provisioner.provision(launch)
        token = self.handoffs.issue(who.user_id, who.class_id)
        page = PAGES.get(who.role, "")
        return Landing(f"{self.app_url}/{page}?{urlencode({'handoff': token})}", who)
