"""How long each solution notebook and each book chapter takes to execute (headless, nbclient).

    .venv/bin/python benchmarks/notebook_times.py [--solutions-only]

Solutions run as the grader runs them (NBGRADER_EXECUTION set, so widget cells are skipped);
chapters run as the book build runs them (DNNBOOK_WIDGETS=static: every slider frame is drawn).
"""
import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]


def run(path, env):
    nb = nbformat.read(path, as_version=4)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        start = time.monotonic()
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        return time.monotonic() - start
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--solutions-only", action="store_true")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        print(f"solution {path.parent.name:20s} {run(path, {'NBGRADER_EXECUTION': 'autograde'}):6.1f} s", flush=True)
    if not args.solutions_only:
        for path in sorted((REPO / "book").glob("*.ipynb")):
            print(f"chapter  {path.stem:20s} {run(path, {'DNNBOOK_WIDGETS': 'static'}):6.1f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
