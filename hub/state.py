"""The hub's state folder (``[hub] state`` in ``hub/course.toml``, default ``.hub/``), made or
checked before the hub starts; everything in it survives a restart:

* ``jupyterhub.sqlite``, ``jupyterhub_cookie_secret`` — the hub's database and cookie secret;
* ``course/`` — the nbgrader course folder the instructors' formgrader works in: its
  ``nbgrader_config.py`` (the repository's course configuration with this folder as the root),
  ``solutions`` and ``exercises`` (links to the repository's), ``gradebook.db``, ``submitted/``,
  ``autograded/``, ``feedback/`` and the grader's ``grading/``;
* ``exchange/`` — nbgrader's exchange (nbgrader sets its permissions: learners may write only
  into ``inbound/``, names unguessable, and the course's collect checks every entry);
* ``learner/`` — the learners' configuration (their ``JUPYTER_CONFIG_PATH``): ``nbgrader_config.py``
  (course id and exchange) and the Jupyter configuration of :func:`learner_jupyter_config`.

The folder itself is 0700 root: a learner's server sees only ``exchange/`` and ``learner/`` of
it (bind-mounted into the learner's sandbox, ``hub/spawner.py``).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from hub.settings import REPO, Settings

LEARNER_BASE = REPO / "autograder" / "jupyter_learner"      # make lab's learner configuration


def prepare(s: Settings) -> None:
    """Create the state folder and its fixed files (idempotent: existing state is kept)."""
    s.state.mkdir(parents=True, exist_ok=True)
    os.chmod(s.state, 0o700)
    s.course_dir.mkdir(exist_ok=True)
    os.chmod(s.course_dir, 0o700)
    _write(s.course_dir / "nbgrader_config.py", course_config(s))
    for name in ("solutions", "exercises"):
        link = s.course_dir / name
        if not link.is_symlink():
            link.symlink_to(REPO / name)
    s.exchange.mkdir(exist_ok=True)
    os.chmod(s.exchange, 0o777)              # nbgrader's mode for the exchange root
    s.learner_config.mkdir(exist_ok=True)
    os.chmod(s.learner_config, 0o755)
    _write(s.learner_config / "nbgrader_config.py", learner_config(s), mode=0o644)
    server, page = learner_jupyter_config()
    _write(s.learner_config / "jupyter_server_config.json", server, mode=0o644)
    (s.learner_config / "labconfig").mkdir(exist_ok=True)
    os.chmod(s.learner_config / "labconfig", 0o755)
    _write(s.learner_config / "labconfig" / "page_config.json", page, mode=0o644)


def course_config(s: Settings) -> str:
    return ("# Written by hub/state.py at every hub start: the course's configuration, rooted here.\n"
            "c = get_config()  # noqa: F821\n"
            f"load_subconfig({str(REPO / 'autograder' / 'nbgrader_config.py')!r})  # noqa: F821\n"
            f"c.CourseDirectory.root = {str(s.course_dir)!r}\n"
            f"c.CourseDirectory.course_id = {s.course_id!r}\n"
            f"c.UseBatchGrader.course_root = {str(s.course_dir)!r}\n"
            f"c.Exchange.root = {str(s.exchange)!r}\n")


def learner_jupyter_config() -> tuple[str, str]:
    """The learners' Jupyter configuration on the hub: ``make lab``'s (``autograder/jupyter_learner``:
    no formgrader, no create-assignment, no course list) plus the book's "Open in the course hub"
    link (``hub/open_exercise.py``) and the Nbgrader menu, whose only item left is *Assignment
    List* (fetch, submit, fetch feedback; the menu's other commands belong to switched-off
    plugins and are hidden). Returns (jupyter_server_config.json, labconfig/page_config.json)."""
    server = json.loads((LEARNER_BASE / "jupyter_server_config.json").read_text())
    server["ServerApp"]["jpserver_extensions"]["hub.open_exercise"] = True
    page = json.loads((LEARNER_BASE / "labconfig" / "page_config.json").read_text())
    page["disabledExtensions"].pop("@jupyter/nbgrader:menu", None)
    return json.dumps(server, indent=2) + "\n", json.dumps(page, indent=2) + "\n"


def learner_config(s: Settings) -> str:
    return ("# Written by hub/state.py: what a learner's nbgrader needs (fetch, submit, feedback).\n"
            "c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.course_id = {s.course_id!r}\n"
            f"c.Exchange.root = {str(s.exchange)!r}\n")


def _write(path: Path, text: str, mode=0o600) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    os.chmod(path, mode)
