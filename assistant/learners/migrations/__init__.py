"""Alembic migrations of the learner database (run programmatically by db.migrate)."""
