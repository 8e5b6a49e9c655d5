"""Stage timings of ``dpt validate`` in one process (wall and CPU per stage), for bench/RESULTS.md.

The stages are the library calls the command makes, timed by wrapping them; imports are timed from the start of
this script. Run in a fresh process: ``python bench/validate_stages.py FILE``. (The real command also reads and
hashes the file while it imports — see dpt_tools.prefetch — so its total is a little below the sum here.)
"""

from __future__ import annotations

import resource
import sys
import time

T0 = time.perf_counter()


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    stamps: list[tuple[str, float, float]] = [("start", 0.0, _cpu())]

    def stamp(label: str) -> None:
        stamps.append((label, time.perf_counter() - T0, _cpu()))

    from dpt_tools.runtime import use_fast_allocator

    use_fast_allocator()
    import dpt_tools.load as load
    import dpt_tools.validate as validate
    from dpt_tools.config import load_settings
    from dpt_tools.rules.place_rules import warm_up

    stamp("imports (pandas, pyarrow, pandera, dpt_tools)")
    path = sys.argv[1]
    settings = load_settings(None)
    reference = warm_up()
    data, name = load.read_input_bytes(path)
    hasher = load.Hasher(data)
    hasher.start()
    stamp("read file")
    kind = "parquet" if path.endswith(".parquet") else "csv"
    read = load.read_parquet_strings(data, path) if kind == "parquet" else load.read_csv_strings(data, path)
    hasher.join()
    stamp("parse to text columns (+ sha256, reference in background)")
    roll = load.build_roll(read, source=name, path=path, sha256=hasher.hexdigest)
    stamp("normalise 17 fields, build the roll")
    reference.join()
    stamp("wait for the Kemendagri reference")
    validate.check_roll_frame(roll.frame)
    stamp("pandera contract check")
    findings, skipped = validate.run_rules(roll, settings)
    stamp(f"24 rules, findings sorted ({len(findings):,})")
    result = validate.Validation(roll, findings, skipped, 0.0)
    validate.write_outputs(result, settings, sys.argv[2] if len(sys.argv) > 2 else "bench/work/stages_out", "csv")
    stamp("write findings.csv + summary.json")
    prev_w, prev_c = 0.0, stamps[0][2]
    print("| stage | wall s | CPU s |")
    print("|---|---|---|")
    for label, wall, cpu in stamps[1:]:
        print(f"| {label} | {wall - prev_w:.2f} | {cpu - prev_c:.2f} |")
        prev_w, prev_c = wall, cpu
    print(f"| total (in-process, no prefetch) | {stamps[-1][1]:.2f} | {stamps[-1][2]:.2f} |")


if __name__ == "__main__":
    main()
