"""A hostile class cannot hurt the instructor through formgrader (issue 21, §1 and §2), checked in
a real browser (Debian chromium + Playwright) on a throw-away course served by
``python -m jupyterlab`` (the launcher the old hook missed):

* stored XSS: markdown cells with ``<img onerror>``, ``<script>``, ``<svg onload>`` and a
  ``javascript:`` link, (a) as the sandboxed grader stores them (``autograded/`` sanitised) and
  (b) written straight into ``autograded/`` as nbgrader's own autograde would leave them (so the
  course's formgrade template and the page's Content-Security-Policy are tested on their own):
  the page title never changes, no request reaches ``/api/contents`` or ``/api/kernels``, no file
  appears; the honest control's page renders its markdown and code;
* the Autograde button in that server runs the sandboxed grader; the ``nbgrader autograde``
  command line stays nbgrader's (unsandboxed) path and says so; every other launcher's program
  name gets the sandboxed hook.

Screenshots go to ``tests/_output/hostile/``.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import course as C
from test_formgrader_browser import browser, jupyter

A = "activations"
NB = f"{A}.ipynb"
SHOTS = Path(__file__).resolve().parent / "_output" / "hostile"
PUT = ("fetch('/api/contents/pwned.txt',{method:'PUT',headers:{'Content-Type':'application/json'},"
       "body:JSON.stringify({type:'file',format:'text',content:'x'})});"
       "fetch('/api/kernels',{method:'POST'})")
HOSTILE = (f'<img src=x onerror="document.title=\'pwned\';{PUT}">\n\n'
           f'<script>document.title="pwned-script";{PUT}</script>\n\n'
           f'<svg onload="document.title=\'pwned-svg\'"></svg>\n\n'
           '[click me](javascript:document.title="pwned-link")\n\n'
           'Also a **bold claim** from the student.')
HONEST = "My notes: the derivative of ReLU is **one** for positive inputs, and `0` otherwise."


def _submission(course, student, extra_markdown):
    nb = C.fill(C.released(course, A, NB), C.solution_sources(A, NB))
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(extra_markdown))
    C.submit(course, student, A, NB, nb)
    return nb


@pytest.fixture(scope="module")
def hostile_course(tmp_path_factory):
    course = C.make_course(tmp_path_factory.mktemp("hostile-formgrader"), [A])
    _submission(course, "mallory", HOSTILE)
    raw = _submission(course, "eve", HOSTILE)
    _submission(course, "alice", HONEST)
    proc = subprocess.run([sys.executable, "-m", "autograder.grade", A, "submitted", "--no-progress"],
                          cwd=course, capture_output=True, text=True, timeout=1800)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    stored = nbformat.read(course / "autograded" / "mallory" / A / NB, as_version=4)
    assert "onerror" in stored.cells[1].source and stored.cells[1].source.count("```") >= 2  # shown as text
    # eve: what nbgrader's own autograde would have stored (student HTML unchanged)
    eve = course / "autograded" / "eve" / A / NB
    kept = nbformat.read(eve, as_version=4)
    kept.cells[1] = raw.cells[1]
    nbformat.write(kept, eve)
    return course


def _submission_id(course, student):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return gb.find_submission_notebook(A, A, student).id


def _files(course):
    return sorted(str(p.relative_to(course)) for p in course.rglob("*")
                  if ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts)


def test_formgrader_shows_hostile_markdown_as_text_and_runs_nothing(hostile_course):
    course = hostile_course
    SHOTS.mkdir(parents=True, exist_ok=True)
    command = (f"{sys.executable} -m jupyterlab --no-browser --allow-root --ServerApp.ip=127.0.0.1 "
               f"--ServerApp.port=0 --ServerApp.root_dir={course}")
    with jupyter(command, course) as (base, token), \
            browser({"Authorization": f"token {token}"}) as new_page:
        before = _files(course)
        for student in ("mallory", "eve", "alice"):
            page = new_page(1366)
            requests, titles = [], []
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: None)
            response = page.goto(f"{base}/formgrader/submissions/{_submission_id(course, student)}/")
            assert response.status == 200, student
            csp = response.headers.get("content-security-policy", "")
            assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp.split("style-src")[0], csp
            page.wait_for_selector("#notebook-container .input_area", timeout=60_000)
            for _ in range(6):                       # onerror/onload fire right after load
                titles.append(page.title())
                page.wait_for_timeout(500)
            page.screenshot(path=str(SHOTS / f"formgrade-{student}-1366.png"), full_page=True)
            assert set(titles) == {A}, (student, titles)
            hits = [u for u in requests if "/api/contents" in u or "/api/kernels" in u]
            assert not hits, (student, hits)
            assert page.locator("#notebook-container img[onerror], #notebook-container script, "
                                "#notebook-container svg[onload], #notebook-container a[href^='javascript']"
                                ).count() == 0, student
            text = page.inner_text("#notebook-container")
            if student == "alice":                   # honest control: rendered, not escaped
                assert page.locator("#notebook-container strong", has_text="one").count() == 1
                assert "def relu" in text
            else:                                    # the student's text is still readable
                assert "bold claim" in text
            page.close()
        assert _files(course) == before
        assert not (course / "pwned.txt").exists()


def test_autograde_button_in_python_m_jupyterlab_is_sandboxed(hostile_course):
    course = hostile_course
    command = (f"{sys.executable} -m jupyterlab --no-browser --allow-root --ServerApp.ip=127.0.0.1 "
               f"--ServerApp.port=0 --ServerApp.root_dir={course}")
    with jupyter(command, course) as (base, token), \
            browser({"Authorization": f"token {token}"}) as new_page:
        page = new_page(1366)
        page.goto(f"{base}/formgrader/manage_submissions/{A}")
        page.wait_for_selector("td:has-text('alice')", timeout=120_000)
        with page.expect_response(lambda r: r.url.endswith("/alice/autograde"), timeout=600_000) as resp:
            page.locator("tr:has-text('alice') .autograde a").first.click()
        result = resp.value.json()
        assert result["success"], result
        assert "sandboxed grader for activations/alice" in result["log"], result["log"][-2000:]
    assert sum(C.scores(course, A)["alice"].values()) == sum(C.max_points(A).values())


LAUNCHERS = ["/usr/local/bin/jupyter-lab", "/srv/venv/lib/python3.11/site-packages/jupyterlab/__main__.py",
             "/usr/bin/jupyter-server", "/opt/hub/bin/jupyterhub-singleuser", "/usr/bin/jupyter-notebook",
             "-c", "", "ipykernel_launcher.py", "/usr/bin/python3"]


@pytest.mark.parametrize("argv0", LAUNCHERS)
def test_every_launcher_but_the_nbgrader_cli_gets_the_sandboxed_hook(argv0):
    from traitlets.config import Config

    from autograder.hook import install_autograde_hook
    c = Config()
    assert install_autograde_hook(c, [argv0, "--ServerApp.port=0"]) == "sandboxed"
    assert c.Autograde.autograde_preprocessors == ["autograder.grade.nbgrader_hooks.UseBatchGrader"]
    assert c.Autograde.pre_convert_hook.func.__name__ == "sandboxed_autograde"


@pytest.mark.parametrize("argv0", ["/usr/bin/nbgrader", "/srv/venv/lib/python3.11/site-packages/nbgrader/__main__.py"])
def test_the_nbgrader_cli_is_the_one_unsandboxed_path_and_says_so(argv0, capsys):
    from traitlets.config import Config

    from autograder.hook import WARNING, install_autograde_hook
    c = Config()
    assert install_autograde_hook(c, [argv0, "autograde", A]) == "unsandboxed"
    assert "pre_convert_hook" not in c.Autograde
    assert WARNING in capsys.readouterr().err
    assert install_autograde_hook(Config(), [argv0, "generate_feedback", A]) == "unsandboxed"
    assert WARNING not in capsys.readouterr().err


def test_nbgrader_autograde_command_warns_when_it_starts(hostile_course):
    proc = C.nbgrader(hostile_course, "autograde", A, "--student", "alice", "--force", check=False)
    assert "runs every student's code UNSANDBOXED" in proc.stdout, proc.stdout[-2000:]
    assert proc.stdout.index("UNSANDBOXED") < proc.stdout.index("Autograding")
