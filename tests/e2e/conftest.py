"""The end-to-end tests share the database fixtures of tests/conftest.py."""
