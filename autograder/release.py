"""Regenerate the student notebooks: ``exercises/`` from ``solutions/``, with nbgrader.

    python -m autograder.release [assignment ...]      # default: every exercise (autograder/exercises.py)

Runs ``nbgrader generate_assignment --force`` in the repository (the course directory), which
strips solution regions and hidden tests and records the assignment in ``gradebook.db``.
"""
import os
import subprocess
import sys
from pathlib import Path

from autograder import exercises

REPO = exercises.REPO


def main(argv=None):
    names = (argv if argv is not None else sys.argv[1:]) or exercises.names()
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    for name in names:
        subprocess.run([str(bindir / "nbgrader"), "generate_assignment", name, "--force",
                        "--log-level=WARN"], cwd=REPO, env=env, check=True)
        print(f"exercises/{name}/ regenerated from solutions/{name}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
