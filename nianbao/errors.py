"""Errors that commands turn into one-line messages and exit statuses."""

from __future__ import annotations


class UsageError(Exception):
    """A command-line argument that is not a data directory or a package (exit status 2)."""
