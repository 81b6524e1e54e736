"""Imports: a school's roster and evidence CSV files into the learner database.

`roster.RosterImporter` (classes, people, attributes) and `evidence.EvidenceImporter` (scores
on competencies) are all-or-nothing, with every bad row named; `roster_write` is the one place
that writes classes and people, shared with OneRoster and LTI roster sync.
"""
