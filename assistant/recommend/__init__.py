"""Recommendations: next steps for a learner, and class gaps, flexible groups and tiers."""
