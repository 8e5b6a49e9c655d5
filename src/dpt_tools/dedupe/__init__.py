"""Find persons registered more than once — by NIK and by fuzzy Indonesian names — and explain every match.

Modules, one concern each: :mod:`.records` (rolls → integer arrays), :mod:`.blocking` (candidate pairs),
:mod:`.compare` (field levels), :mod:`.score` (evidence → score, confidence, match type), :mod:`.group` (groups that
do not chain, ``keep``), :mod:`.reasons` (the human explanation), :mod:`.api` (the library face). See docs/dedupe.md.
"""

from .api import (
    CONFLICT_COLUMNS,
    GROUP_COLUMNS,
    PAIR_COLUMNS,
    DedupeResult,
    dedupe_paths,
    find_duplicates,
    load_frequencies,
    strongest_groups,
    summary,
    write_dedupe_outputs,
)

__all__ = [
    "CONFLICT_COLUMNS",
    "GROUP_COLUMNS",
    "PAIR_COLUMNS",
    "DedupeResult",
    "dedupe_paths",
    "find_duplicates",
    "load_frequencies",
    "strongest_groups",
    "summary",
    "write_dedupe_outputs",
]
