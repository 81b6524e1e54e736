"""`waypoint api`: the HTTP API and the LTI 1.3 tool, over the same services as the app."""
