"""HQ domain services: plain functions over a Session with keyword arguments, returning frozen
dataclasses; the caller owns the transaction. Every write records its sync changes (hq/sync/changes.py)."""
