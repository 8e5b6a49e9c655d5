"""dpt-tools: check Indonesian voter rolls (DPT) — validate, dedupe, clean and diff exported rolls."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dpt-tools")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.1.0"

__all__ = ["__version__"]
