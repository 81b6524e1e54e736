"""The demo school: a deterministic generator of knowledge/demo/*.csv and its loader.

`school` says who is in it and what they learn (simulated by `sim`, scripted by `script`, the
teaching teams' stretch in `teams`); `files` writes the CSV files (`python -m assistant.demo`);
`load` loads them through the ordinary importers (`waypoint demo`).
"""
