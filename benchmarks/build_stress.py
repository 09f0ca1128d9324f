"""Does `make book` ever fail by chance? N consecutive parallel builds, with pass/fail counts.

    .venv/bin/python benchmarks/build_stress.py [-n 20] [--jobs 2] [--here] [--logs DIR]

Each build is exactly `make book`'s (book/_ext/jb_parallel.py, Sphinx -j, every chapter
executed by its own kernel), one after the other into the same output folder (like repeated
`make book`s: the exercise bundles' recordings are cached after the first). By default the
builds run on a snapshot of the committed tree (``git archive HEAD``), so that editing the
working tree meanwhile cannot change what is measured; ``--here`` builds the working tree.

Each line shows the build's result, wall time, the load average before it, and whether its log
shows the kernel-port race this script was written to catch ("Address already in use", "Kernel
died before replying"; see autograder/kernels.py). The logs of failed builds are kept in
``--logs``. Exits non-zero if any build failed. The machine may be shared: the load is printed
beside every figure, and nothing here is a timed assertion.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: Log lines that mean two kernels were handed the same TCP port.
RACE_SIGNS = ("Address already in use", "Kernel died before replying to kernel_info")


def snapshot(dest: Path) -> Path:
    """The committed tree (HEAD) in ``dest``, with the vendored web assets if they are here."""
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "HEAD"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    if (REPO / "book" / "_vendor").is_dir():
        shutil.copytree(REPO / "book" / "_vendor", dest / "book" / "_vendor")
    return dest


def build(source: Path, out: Path, jobs: str) -> tuple[bool, float, str]:
    """One `make book`-equivalent build of ``source`` into ``out``: (passed, wall seconds, log)."""
    cmd = [sys.executable, str(source / "book" / "_ext" / "jb_parallel.py"), "build", "--all",
           "--warningiserror", "--keep-going", "--path-output", str(out), str(source)]
    env = dict(os.environ, NO_COLOR="1", BOOK_JOBS=jobs,
               PYTHONPATH=os.pathsep.join([str(source), str(source / "book")]))
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=source, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    passed = proc.returncode == 0 and "build succeeded." in proc.stdout
    return passed, time.monotonic() - start, proc.stdout


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=20, help="consecutive builds (default 20)")
    parser.add_argument("--jobs", default=str(os.cpu_count() or 2), help="BOOK_JOBS (default: CPUs)")
    parser.add_argument("--here", action="store_true", help="build the working tree, not a snapshot of HEAD")
    parser.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()) / "build-stress-logs")
    args = parser.parse_args(argv)
    args.logs.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="build-stress-") as tmp:
        source = REPO if args.here else snapshot(Path(tmp) / "src")
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        print(f"{args.n} builds of {'the working tree' if args.here else 'HEAD ' + commit}, "
              f"BOOK_JOBS={args.jobs}, {os.cpu_count()} CPUs", flush=True)
        for i in range(1, args.n + 1):
            load = os.getloadavg()[0]
            passed, wall, log = build(source, Path(tmp) / "out", args.jobs)
            race = [s for s in RACE_SIGNS if s in log]
            if not passed:
                (args.logs / f"build-{i:02d}.log").write_text(log)
            results.append((passed, load))
            print(f"build {i:2d}/{args.n}: {'pass' if passed else 'FAIL'}  {wall:6.1f} s wall  "
                  f"load {load:4.1f}{'  port race: ' + ', '.join(race) if race else ''}", flush=True)
    failed = sum(not p for p, _ in results)
    loads = [load for _, load in results]
    print(f"{len(results) - failed} passed, {failed} failed of {len(results)} consecutive builds; "
          f"1-min load average before each build: min {min(loads):.1f}, mean {sum(loads) / len(loads):.1f}, "
          f"max {max(loads):.1f} ({os.cpu_count()} CPUs)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
