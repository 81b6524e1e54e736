"""Waypoint's evaluation: gold sets, metrics and benchmarks (`python -m evals`)."""
