"""Waypoint: an offline-first assistant for competency-based education."""

__version__ = "0.1.0"
