"""Reusable widgets of the window (member card, status bar pieces, prompts)."""
