"""The book's "Open in the course hub" link, learner side: a Jupyter server extension of the
learner's server (enabled by ``hub/state.py`` in the learners' configuration).

``GET <server>/course/open/<chapter>`` — what ``<hub>/hub/user-redirect/course/open/<chapter>``
reaches once the learner is signed in — fetches the chapter's released exercise with nbgrader
(``nbgrader fetch_assignment``, as the learner, through the course's exchange) when the learner
does not have it yet, and opens ``<chapter>/<chapter>.ipynb`` in JupyterLab. The learner's own
copy is never overwritten. A chapter that is not an exercise is a 404; an exercise not released
yet is a page that says so.
"""
from __future__ import annotations

import asyncio
import html
import os
import sys
from pathlib import Path

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from autograder import exercises


class OpenExercise(JupyterHandler):

    @web.authenticated
    async def get(self, name):
        if name not in exercises.names():
            raise web.HTTPError(404, "no such exercise")
        root = Path(os.path.expanduser(self.settings.get("server_root_dir") or "~"))
        notebook = root / name / f"{name}.ipynb"
        if not notebook.exists():
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "nbgrader", "fetch_assignment", name, cwd=str(root),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
            if proc.returncode != 0 or not notebook.exists():
                self.log.warning("fetch of %s failed: %s", name, out.decode(errors="replace")[-2000:])
                self.set_status(409)
                self.finish(f"<!doctype html><title>Not released yet</title><p>The exercise "
                            f"<b>{html.escape(name)}</b> has not been released to your course yet, "
                            "or it could not be fetched. Ask your instructor, or open the "
                            "Assignments tab in JupyterLab.</p>")
                return
        self.redirect(url_path_join(self.base_url, "lab", "tree", name, f"{name}.ipynb"))


def _jupyter_server_extension_points():
    return [{"module": "hub.open_exercise"}]


def _load_jupyter_server_extension(app):
    app.web_app.add_handlers(".*$", [(url_path_join(app.base_url, r"/course/open/([a-z_]+)"), OpenExercise)])
