"""The whole learner-database schema: every table module, registered on one `Base`.

A new table module is imported here and listed in `TABLE_MODULES`; Alembic's env.py and the
migration check compare `METADATA` with the migrations, so a table missing here is a table
the migrations do not know.
"""

from __future__ import annotations

from types import ModuleType

from sqlalchemy import MetaData

from assistant.learners import db_connect, db_teams, tables
from assistant.learners.base import Base

TABLE_MODULES: tuple[ModuleType, ...] = (tables, db_connect, db_teams)
METADATA: MetaData = Base.metadata
