"""Errors a user can act on. The CLI turns them into one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations


class DptError(Exception):
    """Base class of errors that carry a message for the user."""


class InputError(DptError):
    """Bad input: missing, empty or unreadable file, unusable columns, bad option or config value."""


class IntegrityError(DptError):
    """An internal invariant failed (e.g. row counts not conserved); nothing was written."""


class LocalizedInputError(InputError):
    """An input error worded in both languages of the terminal. ``str()`` is the English text, as for every other
    library error; the command line shows :meth:`text` in ``--lang`` (Bahasa Indonesia by default), because the
    clerk who must act on it reads the terminal."""

    def __init__(self, texts: dict[str, str]) -> None:
        super().__init__(texts["en"])
        self.texts = dict(texts)

    def text(self, lang: str) -> str:
        return self.texts.get(lang, self.texts["en"])

    def __reduce__(self) -> tuple[type, tuple[dict[str, str]]]:
        # raised in a worker process of a roll read in parts: rebuilt from its texts, not from str()
        return type(self), (self.texts,)
