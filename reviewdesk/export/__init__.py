"""Dataset exports (no Qt)."""
