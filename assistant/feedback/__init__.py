"""Thumbs up / down on answers and the gold-case drafts made from them
(`service.FeedbackService`)."""
