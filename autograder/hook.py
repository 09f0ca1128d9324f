"""Which processes may run nbgrader's own (unsandboxed) autograde: only the ``nbgrader`` command
line. Every other process that loads the course's configuration — any Jupyter server, however
started (``jupyter lab``, ``python -m jupyterlab``, ``jupyter-server``,
``jupyterhub-singleuser``, a notebook calling ``NbGraderAPI``) — gets the sandboxed path:
formgrader's Autograde button runs ``python -m autograder.grade --student`` (nbgrader's
``pre_convert_hook``) and nbgrader stores the notebook that grader wrote
(``autograder.grade.nbgrader_hooks.UseBatchGrader``). Fail closed: a process that is not recognised as
the command line is treated as a server.
"""
from __future__ import annotations

import functools
import os
import sys

WARNING = ("WARNING: `nbgrader autograde` runs every student's code UNSANDBOXED, as you, in a "
           "kernel with your files and network. This course grades with `python -m autograder.grade "
           "ASSIGNMENT submitted` (sandboxed); formgrader's Autograde button uses it too.")


def is_nbgrader_cli(argv) -> bool:
    """The process is the ``nbgrader`` command (``nbgrader ...`` or ``python -m nbgrader ...``)."""
    if not argv:
        return False
    prog = os.path.normpath(str(argv[0]))
    return os.path.basename(prog) == "nbgrader" or prog.endswith(os.path.join("nbgrader", "__main__.py"))


def sandboxed_autograde(config, assignment, student, notebooks=None):
    """nbgrader's pre-convert hook: grade ``student`` with the sandboxed batch grader, in the
    course root the configuration names when the button is pressed."""
    from autograder.grade.nbgrader_hooks import grade_in_sandbox
    grade_in_sandbox(config.CourseDirectory.root, assignment, student, notebooks)


def install_autograde_hook(c, argv=None):
    """Configure ``c`` (the course's nbgrader Config) for this process; see the module doc.
    Returns "sandboxed" or "unsandboxed"."""
    argv = sys.argv if argv is None else argv
    if is_nbgrader_cli(argv):
        if "autograde" in argv[1:]:
            print(WARNING, file=sys.stderr, flush=True)
        return "unsandboxed"
    from autograder.jupyter_csp import install_in_running_server
    install_in_running_server()            # in a Jupyter server: CSP on formgrader's submission view
    c.Autograde.pre_convert_hook = functools.partial(sandboxed_autograde, c)
    c.Autograde.autograde_preprocessors = ["autograder.grade.nbgrader_hooks.UseBatchGrader"]
    c.UseBatchGrader.course_root = c.CourseDirectory.root
    return "sandboxed"
