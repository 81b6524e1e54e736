"""The conversation engine: intents per role, grounded answers with citations, guards."""
