"""How long `make book` takes: a cold build (empty output folder) and a warm one (the same folder
again), exactly as `make book` builds (book/_ext/jb_parallel.py, every chapter executed).

    .venv/bin/python benchmarks/book_time.py [--serial] [--keep]

``--serial`` also times both builds with one process (BOOK_JOBS=1: the build before Sphinx ran
in parallel), back to back. The builds go to a temporary folder (``--path-output``), so
``_build/`` is left alone. Each line shows the wall time, the CPU time of the build and its
kernels, and the load average just before it: the machine may be shared, and a busy machine
makes every wall time longer. Exits non-zero if a build fails.
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "book" / "_ext" / "jb_parallel.py"


def build(out: Path, jobs: str) -> tuple[float, float]:
    """One `make book`-equivalent build into ``out``; returns (wall, CPU) seconds."""
    cmd = [sys.executable, str(BUILD), "build", "--all", "--warningiserror", "--keep-going",
           "--path-output", str(out), str(REPO)]
    env = dict(os.environ, NO_COLOR="1", BOOK_JOBS=jobs)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0 or "build succeeded." not in proc.stdout:
        sys.exit(f"build failed (BOOK_JOBS={jobs}, rc={proc.returncode}):\n" + proc.stdout[-3000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--serial", action="store_true", help="also time BOOK_JOBS=1")
    ap.add_argument("--keep", action="store_true", help="keep the output folders (printed)")
    args = ap.parse_args()
    jobs = os.environ.get("BOOK_JOBS") or str(os.cpu_count() or 1)
    modes = [("make book", jobs)] + ([("serial", "1")] if args.serial and jobs != "1" else [])
    print(f"{os.cpu_count()} cores; uptime: "
          + subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    results = {}
    for label, j in modes:
        out = Path(tempfile.mkdtemp(prefix=f"book-time-{j}-"))
        try:
            for run in ("cold", "warm"):
                load = os.getloadavg()[0]
                wall, cpu = build(out, j)
                results[label, run] = wall
                print(f"{label:9s} (BOOK_JOBS={j}) {run}: {wall:6.1f} s wall, {cpu:6.1f} s CPU, "
                      f"load average before {load:.2f}", flush=True)
        finally:
            if args.keep:
                print(f"  output kept in {out}")
            else:
                shutil.rmtree(out, ignore_errors=True)
    if ("serial", "cold") in results:
        for run in ("cold", "warm"):
            print(f"{run}: serial / make book = "
                  f"{results['serial', run] / results['make book', run]:.2f}x")


if __name__ == "__main__":
    main()
