"""Learners: the SQL database, evidence import, mastery models and the access policy."""
