"""dpt-tools: check Indonesian voter rolls (DPT) — validate, dedupe, clean and diff exported rolls."""

#: The one place the version is written (pyproject.toml reads it from here); a constant rather than a lookup in the
#: installed metadata, which costs every command ~30 ms of importlib.metadata at start.
__version__ = "0.1.0"

__all__ = ["__version__"]
