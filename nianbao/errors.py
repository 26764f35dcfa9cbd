"""Errors that commands turn into one-line messages and exit statuses."""

from __future__ import annotations

# Exit statuses every command shares (README: "Exit status").
OK, ERRORS, USAGE, REVIEW = 0, 1, 2, 3


class UsageError(Exception):
    """A command-line argument that is not a data directory or a package (exit status 2)."""


class SourceError(Exception):
    """An import source that cannot be read as a report: nothing is written (exit status 1)."""


class FormatError(Exception):
    """A file that cannot be read well enough to rewrite it (left untouched, reported)."""


class BuildError(Exception):
    """The site could not be built (mkdocs or the search index failed): the previous site/ is kept."""
