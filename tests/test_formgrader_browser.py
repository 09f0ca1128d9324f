"""nbgrader's formgrader with this course, in a real browser (Debian chromium + Playwright), on the
fresh clone graded by ``test_instructor_journey.py`` and started with the README's
``make formgrader``:

* Manage Submissions lists every student with the grader's scores and submission times;
* its Autograde button runs the sandboxed grader (``python -m autograder.grade --student``);
* Generate Feedback writes feedback pages without hidden tests;
* learners' ``make lab`` has no Formgrader / Create Assignment, the instructor's lab has them.

Screenshots go to ``tests/_output/instructor/``. About 60-90 s (two Jupyter servers).
"""
from __future__ import annotations

import contextlib
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import course as C

A = "activations"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
SHOTS = Path(__file__).resolve().parent / "_output" / "instructor"


@contextlib.contextmanager
def browser(headers=None):
    """Yield ``new_page(width)`` for a headless Chromium; skip (or fail with REQUIRE_BROWSER=1)
    without one."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is not installed", pytrace=False)
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield lambda width: b.new_page(viewport={"width": width, "height": 900},
                                           extra_http_headers=headers or {})
        finally:
            b.close()


@contextlib.contextmanager
def jupyter(command, cwd):
    proc, base, token = C.start_jupyter(command, cwd, C.plain_env())
    try:
        deadline = time.monotonic() + 120
        while True:                                # the URL is printed just before it listens
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=10)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield base, token
    finally:
        C.stop(proc)


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    info = C.graded_clone(tmp_path_factory)
    assert info["runs"] and info["runs"][-1]["rc"] in (0, 1), info["runs"]
    return Path(info["clone"]), info["commands"]


def test_formgrader_shows_the_grader_and_gives_feedback(clone):
    course, commands = clone
    full = sum(C.max_points(A).values())
    want = {"alice": full, "bob": 0, "carol": full - C.max_points(A)["test_relu"], "dave": full}
    SHOTS.mkdir(parents=True, exist_ok=True)
    with jupyter(commands[-1], course) as (base, token), \
            browser({"Authorization": f"token {token}"}) as new_page:
        page = new_page(1366)
        page.goto(f"{base}/formgrader/manage_submissions/{A}")
        page.wait_for_selector("td:has-text('dave')", timeout=120_000)
        rows = page.eval_on_selector_all(
            "table tbody tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))")
        got = {r[1]: r for r in rows}
        assert set(got) == set(want), rows
        for student, score in want.items():
            assert got[student][4] == f"{score:g} / {full:g}", got[student]
            assert got[student][2].startswith("20"), got[student]          # the submission time
            assert "None" not in got[student][0]
        page.screenshot(path=str(SHOTS / "formgrader-submissions-1366.png"), full_page=True)

        # the Autograde button runs the sandboxed grader for that student (not the server's kernel)
        with page.expect_response(lambda r: r.url.endswith("/carol/autograde"), timeout=600_000) as resp:
            page.locator("tr:has-text('carol') .autograde a").first.click()
        result = resp.value.json()
        assert result["success"], result
        assert "sandboxed grader for activations/carol" in result["log"], result["log"][-2000:]
        assert sum(C.scores(course, A)["carol"].values()) == want["carol"]
        assert (course / "autograded" / "carol" / A / f"{A}.ipynb").is_file()
        page.wait_for_timeout(1000)
        page.screenshot(path=str(SHOTS / "formgrader-autograde-1366.png"), full_page=True)

        # Generate Feedback (Manage Assignments) -> pages without hidden tests
        page.goto(f"{base}/formgrader/manage_assignments")
        page.wait_for_selector(f"tr:has-text('{A}')", timeout=120_000)
        page.locator(f"tr:has-text('{A}') td:nth-child(10) a").first.click()
        deadline = time.monotonic() + 300
        pages = []
        while len(pages) < len(want) and time.monotonic() < deadline:
            time.sleep(1)
            pages = sorted((course / "feedback").glob(f"*/{A}/{A}.html"))
        assert len(pages) == len(want), pages
        for p in pages:
            text = p.read_text()
            assert "BEGIN HIDDEN" not in text and "hidden=True" not in text
        page.goto(f"{base}/formgrader/manage_submissions/{A}")   # formgrader serves feedback here
        feedback = new_page(1366)
        feedback.goto((course / "feedback" / "carol" / A / f"{A}.html").as_uri())
        feedback.screenshot(path=str(SHOTS / "nbgrader-feedback-carol-1366.png"))


def test_learners_lab_has_no_instructor_tools(clone):
    """``make lab`` (README, learners): no Formgrader, no Create Assignment; ``make formgrader``
    has them."""
    course, commands = clone
    seen = {}
    for command in ("make lab", commands[-1]):
        with jupyter(command, course) as (base, token), \
                browser({"Authorization": f"token {token}"}) as new_page:
            page = new_page(1366)
            page.goto(f"{base}/lab")
            page.wait_for_selector(".lm-MenuBar", timeout=180_000)
            page.wait_for_timeout(3000)
            menus = page.inner_text(".lm-MenuBar")
            sidebar = page.locator("text=Create Assignment").count()
            seen[command] = (menus, _status(f"{base}/formgrader", token), sidebar)
            page.screenshot(path=str(SHOTS / f"lab-{command.split()[1]}-1366.png"))
    learner, instructor = seen["make lab"], seen[commands[-1]]
    assert "Nbgrader" not in learner[0] and learner[1] == 404 and learner[2] == 0, learner
    assert "Nbgrader" in instructor[0] and instructor[1] == 200 and instructor[2] > 0, instructor


def _status(url, token):
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"token {token}"})).status
    except urllib.error.HTTPError as exc:
        return exc.code
