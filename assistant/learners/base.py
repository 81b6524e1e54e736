"""The declarative base every learner-database table registers on, and shared column types.

Table modules (`tables`, `db_connect`, `db_teams`) import `Base` from here; `schema` imports
every table module, so its `METADATA` is the whole schema (Alembic's env.py reads it).
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase

ID = String(64)
COMPETENCY_ID = String(255)


class Base(DeclarativeBase):
    pass
