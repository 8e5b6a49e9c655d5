"""Terminal rendering with rich. Nothing here decides anything: it shows what the library computed.

Only masked NIKs ever reach this module's output.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from .fsnames import shown
from .i18n import note_text, t
from .nik import mask_ids_in_str

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def validate_table(summary: dict[str, Any], lang: str) -> Table:
    from .rules.catalog import RULES_BY_CODE, title  # here, not at the top: `dpt diff` needs no rule (~0.04 s)

    table = Table(title=t("validate_title", lang, rows=f"{summary['rows']:,}", input=escape(summary["input"])))
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
        if summary.get("notes"):
            console.print(t("notes", lang))
            for note in summary["notes"]:
                console.print(f"  • {escape(note_text(note, lang))}", highlight=False)
    style = "bold red" if failed else "bold green"
    console.print(f"[{style}]{verdict_line(summary, failed, lang)}[/]", highlight=False)


# ----------------------------------------------------------------------------------------------- diff
def _lp(by_sex: dict[str, int]) -> str:
    text = f"{by_sex.get('L', 0):,}/{by_sex.get('P', 0):,}"
    return text + (f" (+{by_sex['unknown']:,}?)" if by_sex.get("unknown") else "")


def diff_table(summary: dict[str, Any], lang: str) -> Table:
    """One line per region (old and new totals with the L/P split, +added, −removed, changed, moved in, moved out)
    and a total. Moved out beside moved in lets a plenary reconcile a region's totals on screen."""
    by = summary["by"]
    levels = {"kecamatan": ("kecamatan",), "kelurahan": ("kecamatan", "kelurahan"),
              "tps": ("kecamatan", "kelurahan", "tps")}[by]
    title = t("diff_title", lang, old=escape(summary["inputs"]["old"]["path"]),
              new=escape(summary["inputs"]["new"]["path"]), by=t(f"diff_by_{by}", lang))
    table = Table(title=title)
    for level in levels:
        table.add_column(t(f"diff_by_{level}", lang).upper() if level == "tps" else level.upper())
    for key in ("diff_col_old", "diff_col_lp", "diff_col_new", "diff_col_lp", "diff_col_added", "diff_col_removed",
                "diff_col_changed", "diff_col_moved", "diff_col_moved_out"):
        table.add_column(t(key, lang), justify="right", no_wrap=True)
    empty = t("diff_region_empty", lang)

    def row(labels: list[str], e: dict[str, Any], old_sex: dict[str, int], new_sex: dict[str, int],
            **kw: Any) -> None:
        table.add_row(*labels, f"{e['old']:,}", _lp(old_sex), f"{e['new']:,}", _lp(new_sex),
                      f"[green]+{e['added']:,}[/]" if e["added"] else "0",
                      f"[red]−{e['removed']:,}[/]" if e["removed"] else "0",
                      f"{e['changed']:,}", f"{e['moved']:,}", f"{e.get('moved_out', e['moved']):,}", **kw)

    previous: list[str] = []
    for entry in summary["by_region"]:
        labels = [escape(entry.get(level) or empty) for level in levels]
        shown = [("" if previous[:i + 1] == labels[:i + 1] else v) for i, v in enumerate(labels)]
        previous = labels
        row(shown, entry, entry["old_by_sex"], entry["new_by_sex"])
    sexes = summary["by_sex"]
    row([t("diff_total", lang)] + [""] * (len(levels) - 1), summary, {k: v["old"] for k, v in sexes.items()},
        {k: v["new"] for k, v in sexes.items()}, style="bold", end_section=True)
    return table


def diff_overall_line(summary: dict[str, Any], lang: str) -> str:
    keys = ("old", "new", "added", "removed", "changed", "moved", "unchanged", "nik_changed", "unmatched_old",
            "unmatched_new")
    return t("diff_overall", lang, **{k: f"{summary[k]:,}" for k in keys})


def print_diff(console: Console, summary: dict[str, Any], lang: str, quiet: bool = False) -> None:
    """The per-region table (unless quiet) and the overall line. No NIK ever appears here."""
    if not quiet:
        table = diff_table(summary, lang)
        if not console.is_terminal:  # a file or a pipe: do not wrap the table to 80 columns
            wide = console.options.update_width(1000)
            console.width = max(console.width, Measurement.get(console, wide, table).maximum)
        console.print(table)
    # a file or a pipe (cron, a script reading the overall line) gets each line whole, not wrapped at 80 columns
    whole = not console.is_terminal
    console.print(f"[bold]{diff_overall_line(summary, lang)}[/]", highlight=False, soft_wrap=whole)
    unmatched = summary["unmatched_old"] + summary["unmatched_new"]
    if unmatched and not quiet:
        console.print(f"[yellow]{t('diff_unmatched_hint', lang, count=f'{unmatched:,}')}[/]", highlight=False,
                      soft_wrap=whole)
    for meta in ([] if quiet else [summary["inputs"][side] for side in ("old", "new")]):
        lines = [t("diff_malformed_hint", lang, count=f"{meta['malformed_rows']:,}", input=meta["path"])] \
            if meta.get("malformed_rows") else []
        lines += [f"{meta['path']}: {note_text(note, lang)}" for note in meta.get("notes", [])]
        for line in lines:
            console.print(f"[yellow]{escape(line)}[/]", highlight=False, soft_wrap=whole)


def print_clean(console: Console, result: Any, paths: dict[str, Any], lang: str, quiet: bool) -> None:
    """Summary of a clean run: rows in, clean, rejected per reason, where the files are."""
    if not quiet:
        table = Table(title=t("clean_title", lang, input=escape(shown(result.validation.roll.path))))
        table.add_column(t("col_reason", lang))
        table.add_column(t("col_count", lang), justify="right")
        from .rules.catalog import RULES_BY_CODE, title

        for code, count in result.reasons.items():
            label = title(code, lang) if code in RULES_BY_CODE else t(f"reason_{code}", lang)
            table.add_row(f"{code} — {label}", f"{count:,}")
        if result.reasons:
            console.print(table)
        console.print(t("outputs_written", lang, path=escape(shown(str(paths["manifest"].parent)))))
    console.print(t("clean_line", lang, rows=f"{result.input_rows:,}", clean=f"{len(result.clean):,}",
                    rejected=f"{len(result.rejected):,}"), highlight=False)


# ----------------------------------------------------------------------------------------------- dedupe
def dedupe_table(summary: dict[str, Any], top: list[dict[str, Any]], lang: str) -> Table:
    """The strongest groups; NIKs arrive masked (see dedupe.strongest_groups), and a NIK typed into a name is
    masked here: the terminal never shows a full NIK, whatever --no-mask says."""
    table = Table(title=t("dd_top", lang))
    table.add_column(t("dd_col_group", lang), justify="right")
    table.add_column(t("dd_col_score", lang), justify="right")
    table.add_column(t("dd_col_records", lang))
    for g in top:
        lines = [f"{'*' if r['keep'] else ' '} {escape(str(r['source']))}:{r['row_number']}  {r['nik']}  "
                 f"{escape(mask_ids_in_str(str(r['nama'])))}  {r['tanggal_lahir']}" for r in g["records"]]
        table.add_row(str(g["group_id"]), f"{g['score']:.3f}", "\n".join(lines))
    return table


def print_dedupe(console: Console, summary: dict[str, Any], top: list[dict[str, Any]], failed: bool, lang: str,
                 quiet: bool) -> None:
    conf = summary["pairs_by_confidence"]
    if not quiet:
        console.print(t("dd_title", lang, rows=f"{summary['rows']:,}", files=len(summary["inputs"])))
        console.print(t("dd_counts", lang, pairs=f"{summary['pairs_reported']:,}", certain=f"{conf['certain']:,}",
                        likely=f"{conf['likely']:,}", possible=f"{conf['possible']:,}",
                        groups=f"{summary['groups']:,}", records=f"{summary['records_in_groups']:,}",
                        largest=summary["largest_group"], conflicts=f"{summary['nik_conflicts']:,}"))
        if top:
            console.print(dedupe_table(summary, top, lang))
    verdict = t("dd_verdict_fail", lang, groups=f"{summary['groups']:,}") if summary["groups"] else \
        t("dd_verdict_ok", lang)
    style = "bold red" if failed else "bold green"
    console.print(f"[{style}]{escape(verdict)}[/]", highlight=False)
