"""Errors a user can act on. The CLI turns them into one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations


class DptError(Exception):
    """Base class of errors that carry a message for the user."""


class InputError(DptError):
    """Bad input: missing, empty or unreadable file, unusable columns, bad option or config value."""


class IntegrityError(DptError):
    """An internal invariant failed (e.g. row counts not conserved); nothing was written."""
