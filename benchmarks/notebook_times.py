"""How long each solution notebook and each book chapter takes to execute (headless, nbclient).

    .venv/bin/python benchmarks/notebook_times.py [--solutions-only | --chapters-only]

Solutions run as the grader runs them (NBGRADER_EXECUTION set, so widget cells are skipped);
chapters run as the book build runs them (``KERNEL_ENV`` of book/_ext/course_assets.py:
DNNBOOK_WIDGETS=static, every slider frame is drawn; one BLAS thread), one at a time (`make book`
runs one per core).
"""
import argparse
import os
import resource
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "book" / "_ext"))
from course_assets import KERNEL_ENV  # noqa: E402  the book build's kernel environment

from autograder import exercises  # noqa: E402
from autograder.kernels import IPCKernelManager  # noqa: E402  the book build's kernels


def run(path, env):
    """Execute one notebook; returns its wall time and the CPU time of its kernel (seconds)."""
    nb = nbformat.read(path, as_version=4)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        NotebookClient(nb, timeout=600, kernel_name="python3", kernel_manager_class=IPCKernelManager,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def main():
    ap = argparse.ArgumentParser()
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--solutions-only", action="store_true")
    which.add_argument("--chapters-only", action="store_true")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for name in [] if args.chapters_only else exercises.names():
        wall, cpu = run(exercises.path(name, "solution"), {"NBGRADER_EXECUTION": "autograde"})
        print(f"solution {name:20s} {wall:6.1f} s wall {cpu:6.1f} s CPU", flush=True)
    if not args.solutions_only:
        for name in exercises.names():
            wall, cpu = run(exercises.path(name, "chapter"), KERNEL_ENV)
            print(f"chapter  {name:20s} {wall:6.1f} s wall {cpu:6.1f} s CPU", flush=True)


if __name__ == "__main__":
    sys.exit(main())
