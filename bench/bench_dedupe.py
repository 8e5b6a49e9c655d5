"""Benchmark ``dpt dedupe`` against Splink 4 (DuckDB backend) on one generated roll, in the same run.

For each tool: wall time and peak RSS of a separate process (so one tool's memory never counts for the other),
then pairwise precision, recall and F1 of its groups against the synth truth (bench/score_dedupe.py).

* dpt: ``python -m dpt_tools.cli dedupe ROLL --out DIR`` (default settings), timed as a subprocess.
* Splink 4, configured as its documentation recommends: the roll loaded with dpt's loader and names folded with
  dpt's name folding (Splink expects cleaned input), blocking rules for predictions, comparisons for name
  (NameComparison: Jaro-Winkler levels + term-frequency adjustment), birth date (DateOfBirthComparison), NIK
  (Damerau-Levenshtein ≤ 1, ≤ 2), sex, birthplace (with term frequencies), marital status, family card and
  kelurahan; the prior from deterministic rules, u by random sampling, m by EM in two blocked sessions, then
  ``predict`` and ``cluster_pairwise_predictions_at_threshold`` at the same threshold as dpt (0.9).

Usage::

    python bench/bench_dedupe.py --rows 1000000 --seed 1 --workdir /tmp/dpt-bench [--skip-splink] [--json OUT]

The roll and truth are generated with ``dpt synth`` into --workdir unless they exist.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from score_dedupe import score  # noqa: E402

THRESHOLD = 0.9


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}


def measure(cmd: list[str], log: Path) -> dict[str, Any]:
    """Run a command; wall time, CPU time (user + sys) and peak RSS (the process and its children, sampled every
    20 ms; with GNU time when available, its exact maximum), and the load average when it ended."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    full = [gnu_time, "-f", "MAXRSS_KB=%M\nCPU_SECONDS=%U %S", *cmd] if gnu_time else cmd
    start = time.perf_counter()
    with open(log, "w") as out:
        proc = psutil.Popen(full, stdout=out, stderr=subprocess.STDOUT, env=env())
        peak = 0
        while proc.poll() is None:
            try:
                procs = [proc, *proc.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.02)
    wall = time.perf_counter() - start
    text = log.read_text(errors="replace")
    maxrss = [int(line.split("=")[1]) * 1024 for line in text.splitlines() if line.startswith("MAXRSS_KB=")]
    cpu = [sum(map(float, line.split("=")[1].split())) for line in text.splitlines()
           if line.startswith("CPU_SECONDS=")]
    return {"exit_code": proc.returncode, "seconds": round(wall, 2),
            "cpu_seconds": round(cpu[-1], 2) if cpu else None,  # user + sys (GNU time), steadier than wall
            "peak_rss_mb": round((maxrss[-1] if maxrss else peak) / 2**20, 1),
            "peak_rss_sampled_mb": round(peak / 2**20, 1), "load_average": [round(x, 2) for x in os.getloadavg()]}


def ensure_roll(rows: int, seed: int, work: Path) -> tuple[Path, Path]:
    roll, truth = work / f"roll_{rows}_{seed}.csv", work / f"roll_{rows}_{seed}.truth.json"
    if not (roll.exists() and truth.exists()):
        subprocess.run([sys.executable, "-m", "dpt_tools.cli", "synth", "--rows", str(rows), "--seed", str(seed),
                        "--out", str(roll), "--truth", str(truth)], check=True, env=env())
    return roll, truth


# ------------------------------------------------------------------------------------------------ Splink worker
def splink_worker(roll: str, out: str) -> None:
    """Load + fold with dpt, link with Splink 4 (DuckDB), write groups as duplicate_groups-like CSV."""
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from dpt_tools.load import load_roll
    from dpt_tools.names import name_keys

    t0 = time.perf_counter()
    r = load_roll(roll)
    f = r.frame
    keys = name_keys(f["nama"])
    df = pd.DataFrame({
        "unique_id": f["row_number"].astype("int64"),
        "nik": f["nik"].where(f["nik"].str.fullmatch(r"\d{16}", na=False)).astype(object),
        "nik_prefix": f["nik"].str.slice(0, 12).where(f["nik"].str.fullmatch(r"\d{16}", na=False)).astype(object),
        "nama": keys["folded"].astype(object).where(keys["folded"].notna() & (keys["folded"] != "")),
        "first_token": keys["first_token"].astype(object),
        "last_token": keys["last_token"].astype(object),
        "tanggal_lahir": f["tanggal_lahir"].astype(object),
        "jenis_kelamin": f["jenis_kelamin"].astype(object),
        "tempat_lahir": f["tempat_lahir"].astype(object),
        "status_kawin": f["status_kawin"].astype(object),
        "nkk": f["nkk"].astype(object),
        "kelurahan": f["kelurahan"].astype(object),
    })
    df = df.where(df.notna(), None)
    del r, f, keys
    t1 = time.perf_counter()
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.DamerauLevenshteinAtThresholds("nik", [1, 2]),
            cl.NameComparison("nama").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("tanggal_lahir", input_is_string=True),
            cl.ExactMatch("jenis_kelamin"),
            cl.ExactMatch("tempat_lahir").configure(term_frequency_adjustments=True),
            cl.ExactMatch("status_kawin"),
            cl.ExactMatch("nkk"),
            cl.ExactMatch("kelurahan"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nik"),
            block_on("nik_prefix", "substr(nama, 1, 1)"),
            block_on("nama", "substr(tanggal_lahir, 1, 4)"),
            block_on("first_token", "tanggal_lahir"),
            block_on("last_token", "tanggal_lahir"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    steps: dict[str, float] = {}

    def step(name: str, t: float) -> float:
        now = time.perf_counter()
        steps[name] = round(now - t, 2)
        print(f"STEP {name} {steps[name]} s", flush=True)
        return now

    t = time.perf_counter()
    linker = Linker(df, settings, DuckDBAPI())
    t = step("setup", t)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nik"), block_on("nama", "tanggal_lahir", "jenis_kelamin")], recall=0.7)
    t = step("prior", t)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    t = step("u_random_sampling", t)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("nik"))
    t = step("em_nik", t)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("tanggal_lahir", "first_token"))
    t = step("em_dob_first_token", t)
    pred = linker.inference.predict(threshold_match_probability=THRESHOLD)
    t = step("predict", t)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold_match_probability=THRESHOLD)
    cdf = clusters.as_pandas_dataframe()[["cluster_id", "unique_id"]]
    n_pred = len(pred.as_pandas_dataframe())
    t = step("cluster", t)
    t2 = time.perf_counter()
    size = cdf.groupby("cluster_id")["unique_id"].transform("size")
    g = cdf[size >= 2].sort_values(["cluster_id", "unique_id"])
    codes = {c: i + 1 for i, c in enumerate(dict.fromkeys(g["cluster_id"]))}
    pd.DataFrame({"group_id": g["cluster_id"].map(codes), "source": Path(roll).name,
                  "row_number": g["unique_id"]}).to_csv(out, index=False)
    print(json.dumps({"splink_seconds_load_fold": round(t1 - t0, 2), "splink_seconds_link": round(t2 - t1, 2),
                      "pairs_predicted": n_pred, "steps": steps}))


# ------------------------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", default="/tmp/dpt-bench")
    ap.add_argument("--skip-splink", action="store_true")
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("--splink-worker", nargs=2, metavar=("ROLL", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.splink_worker:
        splink_worker(*args.splink_worker)
        return 0
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    roll, truth_path = ensure_roll(args.rows, args.seed, work)
    truth = json.loads(truth_path.read_text())
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"), "rows": args.rows, "seed": args.seed,
        "machine": {"cpus": psutil.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                    "python": platform.python_version()},
    }
    out = work / f"dpt_out_{args.rows}"
    cmd = [sys.executable, "-m", "dpt_tools.cli", "dedupe", str(roll), "--out", str(out), "--quiet"]
    run = measure(cmd, work / "dpt.log")
    summary = json.loads((out / "summary.json").read_text())
    groups = __import__("pandas").read_csv(out / "duplicate_groups.csv", dtype={"nik": str})
    results["dpt"] = {"command": " ".join(["dpt", *cmd[3:]]), **run, **score(groups, truth),
                      "pairs_compared": summary["pairs_compared"], "timings": summary["timings"]}
    if not args.skip_splink:
        import splink

        sp_out = work / f"splink_groups_{args.rows}.csv"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--splink-worker", str(roll), str(sp_out)]
        run = measure(cmd, work / "splink.log")
        extra = {}
        for line in (work / "splink.log").read_text(errors="replace").splitlines():
            if line.startswith("{"):
                extra = json.loads(line)
        res = {"version": splink.__version__, **run, **extra}
        if run["exit_code"] == 0:
            import pandas as pd

            res.update(score(pd.read_csv(sp_out), truth))
        results["splink"] = res
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
