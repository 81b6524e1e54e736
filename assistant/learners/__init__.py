"""Learners: the SQL database, mastery models and the access policy."""
