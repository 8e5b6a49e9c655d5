"""The rule catalogue as Markdown, generated from the registry so ``docs/rules.md`` cannot drift from the code.

``python -m dpt_tools.rules.catalog_doc [docs/rules.md]`` rewrites the table part of the file in place (not a
redirect: the rest of the document is kept); the test suite compares it.
"""

from __future__ import annotations

from .catalog import RULES

BEGIN = "<!-- BEGIN RULE TABLE (generated from dpt_tools.rules.catalog; do not edit by hand) -->"
END = "<!-- END RULE TABLE -->"


def rule_table() -> str:
    lines = [
        BEGIN,
        "| code | severity | scope | field | meaning | example | message (id) | message (en) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in RULES:
        cells = [f"`{r.code}`", r.severity, r.scope, f"`{r.field}`" if r.field else "—", r.meaning, r.example,
                 r.message_id, r.message_en]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines.append(END)
    return "\n".join(lines)


def replace_table(document: str) -> str:
    """The document with its generated table replaced by the current one."""
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + rule_table() + tail


if __name__ == "__main__":  # pragma: no cover
    import sys
    from pathlib import Path

    path = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules.md")
    path.write_text(replace_table(path.read_text(encoding="utf-8")), encoding="utf-8")
