"""Errors a user can act on. The CLI turns them into one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

from .fsnames import shown


class DptError(Exception):
    """Base class of errors that carry a message for the user. A file name in the message that is not UTF-8 is
    written as it is shown everywhere (``roll\\xff.csv``, :mod:`dpt_tools.fsnames`): the message can then be
    printed, logged or written as UTF-8 wherever it goes."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(shown(a) if isinstance(a, str) else a for a in args))


class InputError(DptError):
    """Bad input: missing, empty or unreadable file, unusable columns, bad option or config value."""


class IntegrityError(DptError):
    """An internal invariant failed (e.g. row counts not conserved); nothing was written."""


class LocalizedInputError(InputError):
    """An input error worded in both languages of the terminal. ``str()`` is the English text, as for every other
    library error; the command line shows :meth:`text` in ``--lang`` (Bahasa Indonesia by default), because the
    clerk who must act on it reads the terminal."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = {lang: shown(text) for lang, text in texts.items()}
        super().__init__(self.texts["en"])

    def text(self, lang: str) -> str:
        return self.texts.get(lang, self.texts["en"])

    def __reduce__(self) -> tuple[type, tuple[dict[str, str]]]:
        # raised in a worker process of a roll read in parts: rebuilt from its texts, not from str()
        return type(self), (self.texts,)
