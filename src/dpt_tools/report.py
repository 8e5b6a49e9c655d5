"""Terminal rendering with rich. Nothing here decides anything: it shows what the library computed.

Only masked NIKs ever reach this module's output.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from .i18n import t
from .rules.catalog import RULES_BY_CODE, title

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def validate_table(summary: dict[str, Any], lang: str) -> Table:
    table = Table(title=t("validate_title", lang, rows=f"{summary['rows']:,}", input=summary["input"]))
    table.add_column(t("col_rule", lang))
    table.add_column(t("col_severity", lang))
    table.add_column(t("col_count", lang), justify="right")
    table.add_column(t("col_meaning", lang))
    order = {"error": 0, "warning": 1, "info": 2}
    items = sorted(summary["by_rule"].items(),
                   key=lambda kv: (order[RULES_BY_CODE[kv[0]].severity], -kv[1], kv[0]))
    for code, count in items:
        rule = RULES_BY_CODE[code]
        style = SEVERITY_STYLE[rule.severity]
        meaning = title(code, lang)
        table.add_row(code, f"[{style}]{rule.severity}[/]", f"{count:,}", meaning)
    return table


def verdict_line(summary: dict[str, Any], failed: bool, lang: str) -> str:
    sev = summary["by_severity"]
    key = "verdict_fail" if failed else "verdict_ok"
    return t(key, lang, rows=f"{summary['rows']:,}", errors=f"{sev['error']:,}", warnings=f"{sev['warning']:,}",
             info=f"{sev['info']:,}")


def print_validate(console: Console, summary: dict[str, Any], failed: bool, lang: str, quiet: bool) -> None:
    if not quiet:
        if summary["by_rule"]:
            console.print(validate_table(summary, lang))
        if summary["rules_skipped"]:
            console.print(t("rules_skipped", lang, rules=", ".join(summary["rules_skipped"])))
    style = "bold red" if failed else "bold green"
    console.print(f"[{style}]{verdict_line(summary, failed, lang)}[/]", highlight=False)
