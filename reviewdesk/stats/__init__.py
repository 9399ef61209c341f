"""Feedback statistics and routing advice (no Qt)."""
