"""The ``dpt`` command line: parse options, call the library, render. No decisions are made here.

Exit codes (a contract, see docs/contract.md): 0 success / nothing at or above ``--fail-on``; 1 findings at or
above ``--fail-on``; 2 usage or input error (one line on stderr, no traceback); 3 internal error (a bug).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

from . import __version__
from .config import FAIL_ON, PROFILES, Settings, load_settings, parse_map_options
from .errors import DptError
from .fsnames import shown

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
BIG_FILE = 20 * 1024 * 1024


_NIK_LIKE = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{6}([0-9]{4})(?![0-9])")


def say(message: str) -> None:
    """One line on stderr: line breaks of a quoted exception text are joined, a 16-digit number in it (a NIK a
    library quoted) is masked, and a file name that is not UTF-8 is shown as everywhere (``\\xff``, see
    :mod:`dpt_tools.fsnames`), so an error never spreads over lines nor shows a full NIK."""
    click.echo(_NIK_LIKE.sub(r"\1******\2", " ".join(shown(message).split())), err=True)


class InputProblem(click.ClickException):
    """A user-facing error: one line, exit code 2."""

    exit_code = EXIT_INPUT

    def show(self, file: Any = None) -> None:
        say(f"dpt: {self.format_message()}")


class InternalProblem(click.ClickException):
    """A broken internal invariant (``IntegrityError``): a bug, not bad input — one line, exit code 3."""

    exit_code = EXIT_INTERNAL

    def show(self, file: Any = None) -> None:
        say(f"dpt: internal error ({self.format_message()}); nothing was written — please report it")


def _problem(exc: DptError, lang: str = "id") -> click.ClickException:
    """The user-facing form of a library error: bad input (exit 2) or a broken invariant (exit 3). An error worded
    in both languages (``LocalizedInputError``) is shown in ``lang``."""
    from .errors import IntegrityError, LocalizedInputError

    if isinstance(exc, LocalizedInputError):
        return InputProblem(exc.text(lang))
    return InternalProblem(str(exc)) if isinstance(exc, IntegrityError) else InputProblem(str(exc))


def _settings(ctx_opts: dict[str, Any]) -> Settings:
    try:
        return load_settings(
            ctx_opts.get("config"),
            profile=ctx_opts.get("profile"),
            election_date=ctx_opts.get("election_date"),
            tps_max=ctx_opts.get("tps_max"),
            lang=ctx_opts.get("lang"),
            format=ctx_opts.get("fmt"),
            fail_on=ctx_opts.get("fail_on"),
            columns=parse_map_options(ctx_opts.get("maps") or ()),
            mask=False if ctx_opts.get("no_mask") else None,
        )
    except DptError as exc:
        raise _problem(exc, ctx_opts.get("lang") or "id") from exc


def _console(stderr: bool = False) -> Console:
    """A rich console, imported here: ``dpt diff`` starts reading its files before anything it does not need at once
    is imported, and rich is only needed to print."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


#: Files up to this size are read ahead whole (rolls read in parts start at ~900 MB of CSV, 5 million rows).
WHOLE_FILE_BYTES = 512 * 1024 * 1024


def _show_progress(path: str) -> bool:
    """A spinner only for long files and only when a person watches (stderr is a terminal)."""
    try:
        return sys.stderr.isatty() and path != "-" and os.path.getsize(path) > BIG_FILE
    except OSError:
        return False


@contextlib.contextmanager
def _bar(description: str, total: int | None) -> Iterator[Any]:
    """A transient rich progress bar on stderr; yields ``update(**fields)`` for its one task."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=_console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda **fields: bar.update(task, **fields)


@contextlib.contextmanager
def _progress_bar(lang: str) -> Iterator[Callable[[str, int], None]]:
    """A progress bar over the rules (only used when a person watches a long file)."""
    from .validate import STEPS

    with _bar("memeriksa" if lang == "id" else "checking", STEPS) as update:
        yield lambda step, units: update(advance=units, description=step)


def _whole_file_likely(path: str, part_rows: int | None) -> bool:
    """Cheap guess (no pyarrow yet) whether validate will read the whole file: only then is reading it ahead of
    the imports worth it (a roll read in parts must never be read into memory at once)."""
    if part_rows is not None:
        return part_rows == 0
    try:
        return os.path.getsize(path) <= WHOLE_FILE_BYTES
    except OSError:
        return False


@contextlib.contextmanager
def _part_progress(lang: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar over the file's bytes (rows for Parquet) while a large roll is read in parts."""
    if not sys.stderr.isatty():
        yield None
        return
    with _bar("memeriksa per bagian" if lang == "id" else "checking part by part", None) as update:
        yield lambda done, total: update(completed=done, total=total)


def common_options(f: Any) -> Any:
    """Options every roll-reading command shares (profile, config, column map, language)."""
    opts = [
        click.option("--profile", type=click.Choice(sorted(PROFILES)), default=None,
                     help="Election profile (election day and TPS limit). Default: pilkada-ulang-pangkalpinang-2025."),
        click.option("--election-date", default=None, metavar="YYYY-MM-DD", help="Override the election day."),
        click.option("--tps-max", type=int, default=None, help="Override the maximum voters per TPS."),
        click.option("--config", type=click.Path(dir_okay=False), default=None,
                     help="Config file (default: $DPT_CONFIG or ./dpt.toml)."),
        click.option("--map", "maps", multiple=True, metavar="HEADER=field",
                     help="Map an input header to a canonical field (repeatable); wins over the alias table. A header "
                          "not in the file is an error (with several files: in none of them)."),
        click.option("--lang", type=click.Choice(["id", "en"]), default=None,
                     help="Language of messages: id (Bahasa Indonesia, default) or en."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


#: set by :func:`main`: the process ends with the command (see :func:`_exit_now`)
_ENDS_PROCESS = False


def _without_cycle_collector(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command with Python's cycle collector paused. Why: the imports (pandas, pyarrow) and the frames of a
    1M-row ``dpt diff`` triggered 186 collections, one of them full, ~0.065 s in all on one core. The command's
    allocations are bounded by its two inputs, it makes few reference cycles, and the process ends with it; the
    collector is switched back on afterwards for a caller that goes on (tests, a Python program calling the CLI)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        was = gc.isenabled()
        gc.disable()
        try:
            return command(*args, **kwargs)
        finally:
            if was and not _ENDS_PROCESS:  # switched on, the collector would first walk every object (~0.03 s)
                gc.enable()

    return run


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="dpt")
def cli() -> None:
    """dpt — check Indonesian voter rolls (DPT): validate, dedupe, clean and diff exported rolls.

    Every command reads CSV (any delimiter, UTF-8 or cp1252, Excel quirks) or Parquet, keeps every value as text,
    and refers to rows by their 1-based data row number in the input file.

    \b
    Example:
        dpt validate sample_data/dpt_pangkalpinang_sample.csv --out out/
    """
    if click.get_current_context().invoked_subcommand == "diff":
        return  # diff starts reading its inputs first, in child processes forked before pyarrow starts threads
    from .runtime import use_fast_allocator

    use_fast_allocator()


@cli.command()
@click.argument("roll", type=str)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write findings.<fmt> and summary.json into this directory.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "json"]), default=None,
              help="Format of findings (default csv).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Exit 1 when a finding of this severity or worse exists (default error).")
@click.option("--quiet", is_flag=True, help="Print only the verdict line.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.json to stdout instead of the table.")
@click.option("--no-mask", is_flag=True, help="Show NIK/NKK values unmasked in findings files (never on screen).")
@click.option("--part-rows", type=click.IntRange(min=0), default=None, metavar="N",
              help="Read the roll in parts of about N rows, with bounded memory and the same findings (for rolls "
                   "larger than memory). Default: whole file up to ~5 million rows, 250,000 rows at a time above; "
                   "0 = always whole.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes for a roll read in parts (default 1; more only pays with more than 2 cores).")
@common_options
def validate(roll: str, out_dir: str | None, fmt: str | None, fail_on: str | None, quiet: bool, as_json: bool,
             no_mask: bool, part_rows: int | None, jobs: int | None, **opts: Any) -> None:
    """Check a roll against the DPT schema and rules; report every finding with its rule code and row.

    ROLL is a CSV or Parquet file ('-' reads CSV from stdin). Exit 0 when nothing reaches --fail-on, 1 when
    something does, 2 on bad input.

    \b
    Example:
        dpt validate DPT_KEL_BACANG.csv --out hasil/ --fail-on warning --lang en
    """
    from . import prefetch

    early = prefetch.prefetch([roll], keep=False).get(roll) if _whole_file_likely(roll, part_rows) else None
    if early is not None:  # the file is scanned (sha256), then parsed, on the idle core while the imports below run
        from .load import AUTO_PART_ROWS, parse_ahead

        parse_ahead(roll, early, max_rows=None if part_rows == 0 else AUTO_PART_ROWS)
    from .chunked import validate_in_parts, wants_parts
    from .output import check_not_input
    from .validate import summary, validate_path, write_outputs

    settings = _settings({**opts, "fmt": fmt, "fail_on": fail_on, "no_mask": no_mask})
    fmt = settings.format
    start = time.perf_counter()
    if wants_parts(roll, part_rows):
        from .load import forget_ahead

        forget_ahead(roll)  # read in parts, its own way
        try:
            if out_dir:
                check_not_input(out_dir, [roll])
            with _part_progress(settings.lang) as advance:
                parted = validate_in_parts(roll, settings, out_dir, fmt, part_rows=part_rows, workers=jobs,
                                           progress=advance)
        except DptError as exc:
            raise _problem(exc, settings.lang) from exc
        sys.exit(_render_validate(parted.summary, parted.failed(settings.fail_on), settings.lang, quiet, as_json))
    try:
        if out_dir:
            check_not_input(out_dir, [roll])
        if _show_progress(roll):
            with _progress_bar(settings.lang) as advance:
                result = validate_path(roll, settings, progress=advance)
        else:
            result = validate_path(roll, settings)
        seconds = time.perf_counter() - start
        if out_dir:
            write_outputs(result, settings, out_dir, fmt, seconds)
    except DptError as exc:
        raise _problem(exc, settings.lang) from exc
    sys.exit(_render_validate(summary(result, settings, seconds), result.failed(settings.fail_on), settings.lang,
                              quiet, as_json))


def _render_validate(summ: dict[str, Any], failed: bool, lang: str, quiet: bool, as_json: bool) -> int:
    """The terminal face of validate (table or JSON, verdict); returns the exit code."""
    from .report import print_validate

    if as_json:
        click.echo(json.dumps(summ, ensure_ascii=False, indent=2))
        print_validate(_console(stderr=True), summ, failed, lang, quiet=True)
    else:
        print_validate(_console(), summ, failed, lang, quiet=quiet)
    return EXIT_FINDINGS if failed else EXIT_OK


@cli.command()
@click.option("--rows", type=click.IntRange(min=1), default=5000, show_default=True, help="Number of voters.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same roll).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True,
              help="Roll to write (.csv or .parquet).")
@click.option("--truth", "truth_path", type=click.Path(dir_okay=False), default=None,
              help="Write what was planted (problems, duplicates) as JSON.")
@click.option("--style", type=click.Choice(["clean", "excel"]), default="excel", show_default=True,
              help="CSV style: clean, or the messy form of an Indonesian Excel export.")
@click.option("--ragged", type=click.IntRange(min=0), default=0, help="Number of malformed lines to plant.")
@click.option("--no-problems", is_flag=True, help="Plant no rule violations.")
@click.option("--no-duplicates", is_flag=True, help="Plant no duplicate persons.")
@click.option("--next-version", "next_path", type=click.Path(dir_okay=False), default=None,
              help="Also write a later version of the roll (for dpt diff), truth in <NEXT>.truth.json.")
def synth(rows: int, seed: int, out_path: str, truth_path: str | None, style: str, ragged: int,
          no_problems: bool, no_duplicates: bool, next_path: str | None) -> None:
    """Generate a synthetic roll of Kota Pangkalpinang (invented people) with planted problems.

    From 300 rows every rule is planted (rows listed in --truth), except tps_over_capacity (5,000 rows or more)
    and row_malformed (--ragged K); placeholder birth dates occur at their natural rate. Smaller rolls are clean.

    \b
    Example:
        dpt synth --rows 20000 --seed 7 --out roll.csv --truth roll.truth.json
    """
    from .output import write_json
    from .synth import synth_next_version, synth_roll, write_roll

    for target in (out_path, next_path):
        if target and not target.lower().endswith((".csv", ".parquet", ".pq")):
            raise InputProblem(f"{target}: synth writes .csv or .parquet files")
    written = [p for p in (out_path, truth_path, next_path,
                           next_path and str(Path(next_path).with_suffix(".truth.json"))) if p]
    for i, target in enumerate(written):  # one path for two files would silently keep only the last one
        if any(Path(target).resolve() == Path(other).resolve() for other in written[:i]):
            raise InputProblem(f"{target}: synth would write two of its files there; give each its own path")
    try:
        df, truth = synth_roll(rows, seed, problems=not no_problems, duplicates=not no_duplicates)
        bad = write_roll(df, out_path, style=style, seed=seed, ragged=ragged)
        if bad:
            truth.setdefault("planted", {})["row_malformed"] = bad
        if truth_path:
            write_json(truth, truth_path)
        if next_path:
            df2, truth2 = synth_next_version(df, seed + 1)
            write_roll(df2, next_path, style=style, seed=seed + 1, shuffle_columns=True)
            write_json(truth2, Path(next_path).with_suffix(".truth.json"))
    except (DptError, ValueError) as exc:
        raise _problem(exc) from exc
    from rich.markup import escape

    _console(stderr=True).print(f"{len(df):,} rows → {escape(shown(out_path))}")


@cli.command()
@click.argument("roll", type=str)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Directory for clean, rejected, findings, duplicate_groups and manifest.json.")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True,
              help="Format of the output tables.")
@click.option("--keep-invalid", is_flag=True,
              help="Keep rows with row-level errors in the clean roll (codes in a 'findings' column).")
@click.option("--no-dedupe", is_flag=True, help="Do not look for duplicate persons.")
@click.option("--quiet", is_flag=True, help="Print only the result line.")
@click.option("--no-mask", is_flag=True, help="Write NIK unmasked in duplicate_groups (never on screen).")
@common_options
def clean(roll: str, out_dir: str, fmt: str, keep_invalid: bool, no_dedupe: bool, quiet: bool, no_mask: bool,
          **opts: Any) -> None:
    """Write the cleaned roll plus discrepancy reports; every input row ends up in clean or rejected.

    Rows with row-level errors, duplicate registrations (all but the kept record) and both rows of a NIK conflict
    go to rejected with their reason codes; nothing is dropped silently. Exit 0 when the clean roll was written
    (even with rejected rows), 2 on bad input.

    \b
    Example:
        dpt clean DPT_KEL_BACANG.csv --out bersih/ --format csv
    """
    from .clean import clean_path, write_clean_outputs
    from .output import check_not_input
    from .report import print_clean

    settings = _settings({**opts, "no_mask": no_mask})
    start = time.perf_counter()
    try:
        check_not_input(out_dir, [roll])
        err = _console(stderr=True)
        if _show_progress(roll):
            with err.status("membersihkan…" if settings.lang == "id" else "cleaning…"):
                result = clean_path(roll, settings, keep_invalid=keep_invalid, dedupe=not no_dedupe)
        else:
            result = clean_path(roll, settings, keep_invalid=keep_invalid, dedupe=not no_dedupe)
        paths = write_clean_outputs(result, out_dir, fmt, time.perf_counter() - start)
    except DptError as exc:
        raise _problem(exc, settings.lang) from exc
    print_clean(_console(), result, paths, settings.lang, quiet=quiet)
    sys.exit(EXIT_OK)


@cli.command(epilog="""\b
Example:
    dpt diff DPS_BACANG.csv DPT_BACANG.csv --out perubahan/ --by tps --lang en
""")
@click.argument("old", type=str)
@click.argument("new", type=str)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write added, removed, changed, moved, nik_changed, unmatched (.<fmt>) and summary.json here.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default=None,
              help="Format of the output tables (default csv).")
@click.option("--by", type=click.Choice(["kecamatan", "kelurahan", "tps"]), default="kelurahan", show_default=True,
              help="Region level of the table and of the per-region counts in summary.json.")
@click.option("--quiet", is_flag=True, help="Print only the overall line.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.json to stdout instead of the table.")
@click.option("--no-mask", is_flag=True, help="Write NIK/NKK unmasked in the output files (never on screen).")
@common_options
@_without_cycle_collector
def diff(old: str, new: str, out_dir: str | None, fmt: str | None, by: str, quiet: bool, as_json: bool,
         no_mask: bool, **opts: Any) -> None:
    """Compare two versions of a roll: who was added, removed, changed, moved, whose NIK was corrected.

    OLD and NEW are CSV or Parquet files (one of them may be '-' for stdin). Persons are matched by NIK, then by
    (folded name, birth date, sex) for rows without a usable NIK; what cannot be matched with certainty is listed
    in unmatched with the reason. Formatting (column order, header spelling, date format, case, spaces, 3/003,
    L/LAKI-LAKI) is not a change. NIKs are masked (197101******0001) in files unless --no-mask, and never shown on
    screen. Exit 0 on success, 2 on bad input. Details: docs/diff.md.
    """
    from .prefetch import diff_inputs, take_early

    # read (sha256) in child processes while the library loads: started by the entry point (dpt_tools.entry) for
    # `dpt diff OLD NEW …`, else here
    early = take_early(old, new) or diff_inputs(old, new)
    from .runtime import use_fast_allocator  # imports pyarrow (and its threads): after the readers were forked

    use_fast_allocator()
    settings = _settings({**opts, "fmt": fmt, "no_mask": no_mask})
    from .load import forget_ahead, start_diff_reads  # pyarrow, not pandas: both parses run beside the other imports

    # each file parsed by the serial reader on its own thread
    start_diff_reads(old, new, settings.column_map, settings.required_headers, early=early)
    from .diff import diff_paths, write_diff_outputs
    from .errors import IntegrityError
    from .output import check_not_input
    from .report import print_diff

    try:
        out_fmt = fmt or (settings.format if settings.format in ("csv", "parquet") else "csv")
        try:
            if out_dir:
                check_not_input(out_dir, [old, new])
            err = _console(stderr=True)
            if _show_progress(old) or _show_progress(new):
                with err.status("membandingkan…" if settings.lang == "id" else "comparing…"):
                    result = diff_paths(old, new, settings, by=by, prefetched=early)
            else:
                result = diff_paths(old, new, settings, by=by, prefetched=early)
            if out_dir:
                write_diff_outputs(result, settings, out_dir, out_fmt, inputs=[old, new])
        except IntegrityError as exc:
            say(f"dpt: internal error ({exc}); nothing was written — please report it")
            sys.exit(EXIT_INTERNAL)
        except DptError as exc:
            raise _problem(exc, settings.lang) from exc
    finally:
        for path in early:
            forget_ahead(path)  # a parse not taken (an early error) is never handed to a later call
    if as_json:
        click.echo(json.dumps(result.summary, ensure_ascii=False, indent=2))
        print_diff(_console(stderr=True), result.summary, settings.lang, quiet=True)
    else:
        print_diff(_console(), result.summary, settings.lang, quiet=quiet)
    sys.exit(EXIT_OK)


@cli.command(epilog="""\b
Example (a generated roll, then two kabupaten searched together):
    dpt synth --rows 20000 --seed 7 --out roll.csv --truth roll.truth.json
    dpt dedupe roll.csv --out ganda/ --lang en
    python bench/score_dedupe.py ganda/duplicate_groups.csv roll.truth.json
    dpt dedupe KAB_BANGKA.csv KOTA_PANGKALPINANG.csv --out ganda/ --threshold 0.95 --format parquet
""")
@click.argument("rolls", nargs=-1, required=True, metavar="ROLL [ROLL ...]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write duplicate_pairs, duplicate_groups, nik_conflicts and summary.json into this directory.")
@click.option("--threshold", type=float, default=None, metavar="P",
              help="Score (0-1) from which a pair is 'likely' and grouped (default 0.9; 'certain' from 0.99).")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default=None,
              help="Format of the output tables (default csv).")
@click.option("--fail-on", "dd_fail_on", type=click.Choice(["likely", "never"]), default="likely",
              show_default=True, help="Exit 1 when a certain/likely duplicate exists; 'never' always exits 0.")
@click.option("--frequencies", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Name frequencies (CSV/Parquet, columns name,frequency) from a larger roll.")
@click.option("--quiet", is_flag=True, help="Print only the verdict line.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.json to stdout instead of the table.")
@click.option("--no-mask", is_flag=True, help="Write NIKs unmasked in the output files (never on screen).")
@common_options
def dedupe(rolls: tuple[str, ...], out_dir: str | None, threshold: float | None, fmt: str | None, dd_fail_on: str,
           frequencies: str | None, quiet: bool, as_json: bool, no_mask: bool, **opts: Any) -> None:
    """Find persons registered more than once, by NIK and by fuzzy Indonesian names, and explain every match.

    Several rolls (e.g. two kabupaten) are searched together; each record is identified by its file name and row
    number. Pairs are 'certain', 'likely' (grouped) or 'possible' (review only); same NIK with a clearly different
    person is a NIK conflict. Exit 0 when no certain/likely duplicate exists, 1 when one does (--fail-on never:
    always 0), 2 on bad input. How it matches and how to read 'reasons': docs/dedupe.md.
    """
    from .dedupe import dedupe_paths, strongest_groups, summary, write_dedupe_outputs
    from .output import check_not_input
    from .report import print_dedupe

    settings = _settings({**opts, "no_mask": no_mask})
    fmt = fmt or (settings.format if settings.format in ("csv", "parquet") else "csv")
    try:
        if out_dir:
            check_not_input(out_dir, list(rolls))
        err = _console(stderr=True)
        if any(_show_progress(r) for r in rolls):
            with err.status("mencari data ganda…" if settings.lang == "id" else "looking for duplicates…"):
                result = dedupe_paths(list(rolls), settings, threshold=threshold, frequencies=frequencies)
        else:
            result = dedupe_paths(list(rolls), settings, threshold=threshold, frequencies=frequencies)
        if out_dir:
            write_dedupe_outputs(result, settings, out_dir, fmt, inputs=list(rolls))
    except DptError as exc:
        raise _problem(exc, settings.lang) from exc
    summ = summary(result, settings)
    failed = dd_fail_on != "never" and result.has_duplicates()
    if as_json:
        click.echo(json.dumps(summ, ensure_ascii=False, indent=2))
        print_dedupe(_console(stderr=True), summ, [], failed, settings.lang, quiet=True)
    else:
        print_dedupe(_console(), summ, strongest_groups(result, 10), failed, settings.lang, quiet=quiet)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


def main() -> None:
    """Console entry point: user errors are one line + exit 2; a bug is one line + exit 3 (DPT_DEBUG=1 for more)."""
    from .entry import process_defaults

    process_defaults()
    global _ENDS_PROCESS
    _ENDS_PROCESS = True
    for stream in (sys.stdout, sys.stderr):
        # a terminal that cannot show a character (an ASCII or Latin-1 locale under cron) gets '?' for it, not a
        # crash that would turn exit code 1 into 3
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    try:
        _run()
    except SystemExit as exc:
        _exit_now(exc.code)


def _exit_now(code: object) -> None:
    """End the process without the interpreter's teardown.

    Why: after a run on a million rows the process holds about 1.3 GB of frames and arrays, which the teardown
    would free object by object (about 0.2 s) just before the operating system reclaims the memory anyway. Every
    output is complete, closed and renamed into place before a command exits; only the standard streams are
    still buffered, so they are flushed here first.
    """
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


def _run() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "dpt"
        say(f"dpt: {exc.format_message()} (see '{command} --help')")
        sys.exit(EXIT_INPUT)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code if isinstance(exc, InputProblem | InternalProblem) else EXIT_INPUT)
    except OSError as exc:  # a file we were asked to read or write: a user's problem, said in one line
        say(f"dpt: {exc.filename or ''}: {exc.strerror or exc}".replace(": :", ":"))
        sys.exit(EXIT_INPUT)
    except click.Abort:
        click.echo("dpt: aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("dpt: interrupted", err=True)
        sys.exit(130)
    except DptError as exc:
        say(f"dpt: {exc}")
        sys.exit(EXIT_INPUT)
    except SystemExit:
        raise
    except Exception as exc:
        if os.environ.get("DPT_DEBUG"):
            raise
        say(f"dpt: internal error ({type(exc).__name__}: {exc}); please report it — "
            "run with DPT_DEBUG=1 for details")
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
