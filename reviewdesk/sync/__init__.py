"""Sync with a queue server: client, credentials, outbox (no Qt)."""
