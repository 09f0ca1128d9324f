"""The course hub (``make hub``: JupyterHub, ``hub/``) used by a class, with real processes and a
real browser (Debian chromium + Playwright, 1366 px):

* the instructor signs up (the admin is approved on sign-up) and releases ``activations`` from
  formgrader, a hub service;
* alice and bob sign up, are approved, open the exercise from the book's hub link
  (``/hub/user-redirect/course/open/activations``), run the check cells and see ✔ / ✘ lines,
  and submit (alice from JupyterLab's Assignments panel);
* the hub is restarted (state kept in its folder): sessions, users, submissions survive;
* the instructor collects, grades with the sandboxed grader (formgrader's Autograde), sees the
  scores, releases feedback; alice opens hers; the class view (``summary.html``) is reachable;
* isolation: from alice's own kernel, bob's home, the solutions, the gradebook and the hub's
  state cannot be read; formgrader and the admin API refuse her; a kernel of bob's that takes
  more than his memory limit (``[limits] memory``) is killed, his next kernel and alice's work;
* bad input: a wrong password, a duplicate sign-up, an unapproved user — a clear message each.

One hub (``python -m hub``, what ``make hub`` runs) with its state in a temporary folder, on a
free port; OS users get a unique prefix and are removed afterwards, even on failure. The stages
share that hub and must run in order, so they are one test (pytest-xdist would split separate
tests across workers). Needs root, bubblewrap and chromium: skipped without them, failed with
``REQUIRE_HUB=1`` (``.ci/run``). Screenshots: ``tests/_output/hub/``. About 2-3 min.
"""
from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from jupyterhub.utils import random_port

import course as C

REPO = Path(__file__).resolve().parents[1]
SHOTS = Path(__file__).resolve().parent / "_output" / "hub"
A = "activations"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
PASSWORD = {"instructor": "Grade-the-class-7", "alice": "Alice-learns-42", "bob": "Bob-learns-4242"}


def _needs():
    missing = [why for ok, why in (
        (os.geteuid() == 0, "root (the hub creates OS users)"),
        (shutil.which("bwrap"), "bubblewrap"), (shutil.which("useradd"), "useradd"),
        (Path(CHROMIUM).exists(), "chromium")) if not ok]
    if missing:
        if os.environ.get("REQUIRE_HUB") == "1":
            pytest.fail(f"REQUIRE_HUB=1 but missing: {', '.join(missing)}", pytrace=False)
        pytest.skip(f"needs {', '.join(missing)}")


# ------------------------------------------------------------------------------- the hub
class Hub:
    """``python -m hub`` (as ``make hub`` runs it) on a free port, state in ``state``."""

    def __init__(self, state: Path, prefix: str):
        self.state, self.prefix, self.port = state, prefix, random_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = SHOTS / "hub.log"                    # kept after the test, for a look
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.log.write_text("")
        self.proc = None

    def start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "HUB_"))}
        env.update(HUB_PORT=str(self.port), HUB_STATE=str(self.state), HUB_USER_PREFIX=self.prefix)
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "hub"], cwd=REPO, env=env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        import requests
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the hub exited ({self.proc.returncode}):\n{self.tail()}"
            try:
                if requests.get(f"{self.url}/hub/api", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise AssertionError(f"the hub did not answer in 120 s:\n{self.tail()}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def tail(self, n=6000):
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""


def remove_users(prefix):
    """Every OS user named ``<prefix>...``: its processes killed, the user and its home removed."""
    for pw in pwd.getpwall():
        if pw.pw_name.startswith(prefix):
            pids = subprocess.run(["pgrep", "-u", str(pw.pw_uid)], stdout=subprocess.PIPE, text=True).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["userdel", "-r", pw.pw_name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            subprocess.run(["groupdel", pw.pw_name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def hub():
    _needs()
    prefix = f"hub{secrets.token_hex(2)}-"
    top = Path(tempfile.mkdtemp(prefix="hubtest-"))
    top.chmod(0o711)                      # learners traverse it to the exchange (bound in their view)
    h = Hub(top / "state", prefix)
    try:
        h.start()
        yield h
    finally:
        h.stop()
        remove_users(prefix)
        shutil.rmtree(top, ignore_errors=True)


# ------------------------------------------------------------------------------- a person
class Person:
    """One person's HTTP session with the hub (forms as the browser posts them; REST with a token)."""

    def __init__(self, hub, name):
        import requests
        self.hub, self.name, self.http = hub, name, requests.Session()
        self.token = None

    def _xsrf(self, path):
        self.http.get(self.hub.url + path)
        return self.http.cookies.get("_xsrf", path="/hub/")

    def form(self, path, **data) -> str:
        """POST a hub form; the page's alert or login error, as text."""
        r = self.http.post(self.hub.url + path, data={**data, "_xsrf": self._xsrf(path)})
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text))

    def signup(self, password=None):
        p = password or PASSWORD[self.name]
        return self.form("/hub/signup", username=self.name, signup_password=p, signup_password_confirmation=p)

    def login(self, password=None) -> str:
        return self.form("/hub/login", username=self.name, password=password or PASSWORD[self.name])

    def get_token(self):
        xsrf = self._xsrf("/hub/token")
        r = self.http.post(f"{self.hub.url}/hub/api/users/{self.name}/tokens", json={"note": "test"},
                           headers={"X-XSRFToken": xsrf, "Referer": f"{self.hub.url}/hub/token"})
        assert r.status_code == 201, (r.status_code, r.text)
        self.token = r.json()["token"]

    def api(self, method, path, **kw):
        import requests
        return requests.request(method, self.hub.url + path, headers={"Authorization": f"token {self.token}"},
                                timeout=120, **kw)

    def server_ready(self, timeout=180):
        """Start this person's server when it is not running; wait until it answers."""
        r = self.api("POST", f"/hub/api/users/{self.name}/server")
        assert r.status_code in (201, 202, 400), (r.status_code, r.text)     # 400: already running
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            srv = self.api("GET", f"/hub/api/users/{self.name}").json().get("servers", {}).get("", {})
            if srv.get("ready"):
                return
            time.sleep(1)
        raise AssertionError(f"{self.name}'s server is not ready:\n{self.hub.tail()}")

    def run(self, code, timeout=120) -> str:
        """Run ``code`` in a new kernel of this person's server; its stdout/stderr text."""
        import websocket
        base = f"/user/{self.name}/api/kernels"
        kid = self.api("POST", base, json={"name": "python3"}).json()["id"]
        try:
            ws = websocket.create_connection(
                f"ws://127.0.0.1:{self.hub.port}{base}/{kid}/channels",
                header=[f"Authorization: token {self.token}"], timeout=timeout)
            msg_id = uuid.uuid4().hex
            ws.send(json.dumps({"header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "t",
                                           "session": uuid.uuid4().hex, "version": "5.3"},
                                "parent_header": {}, "metadata": {}, "channel": "shell",
                                "content": {"code": code, "silent": False, "store_history": False,
                                            "user_expressions": {}, "allow_stdin": False}}))
            out = []
            while True:
                m = json.loads(ws.recv())
                if m["msg_type"] == "status" and m["content"]["execution_state"] in ("restarting", "dead"):
                    out.append(f"KERNEL {m['content']['execution_state'].upper()}")     # e.g. killed: memory
                    break
                if m.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if m["msg_type"] == "stream":
                    out.append(m["content"]["text"])
                elif m["msg_type"] == "error":
                    out.append("\n".join(m["content"]["traceback"]))
                elif m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                    break
            ws.close()
            return "".join(out)
        finally:
            self.api("DELETE", f"{base}/{kid}")


# ------------------------------------------------------------------------------- the browser
@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def new_page(browser):
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(90_000)
    return page


def browser_signin(page, hub, name, signup=True):
    if signup:
        page.goto(f"{hub.url}/hub/signup")
        page.fill("input[name=username]", name)
        page.fill("input[name=signup_password]", PASSWORD[name])
        page.fill("input[name=signup_password_confirmation]", PASSWORD[name])
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_load_state()
    page.goto(f"{hub.url}/hub/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD[name])
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()


def page_post(page, url) -> tuple[int, str]:
    """POST from the page (a Jupyter server's XSRF cookie sent back as its header)."""
    return tuple(page.evaluate(
        """async (u) => { const m = document.cookie.match(/(?:^|; )_xsrf=([^;]+)/);
           const r = await fetch(u, {method: 'POST', headers: {'X-XSRFToken': m ? decodeURIComponent(m[1]) : ''}});
           return [r.status, await r.text()]; }""", url))


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def submission(answers_extra=None):
    """The released notebook with the solution's answers (and ``answers_extra`` appended)."""
    nb = nbformat.read(REPO / "exercises" / A / f"{A}.ipynb", as_version=4)
    return C.fill(nb, C.solution_sources(A, f"{A}.ipynb"), answers_extra)


def run_all_and_read(page, hub, name):
    """Open the learner's exercise in JupyterLab, run every cell, return the cells' outputs as text."""
    page.goto(f"{hub.url}/user/{name}/lab/tree/{A}/{A}.ipynb")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], "
                           ".jp-DebuggerBugButton, .jp-KernelStatus", timeout=120_000)
    page.click(".jp-Notebook")
    page.keyboard.press("Escape")
    page.click(".lm-MenuBar-itemLabel:text-is('Run')", timeout=30_000)      # the Run menu
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    page.wait_for_timeout(1000)
    try:
        page.wait_for_function(      # idle, nothing queued ([*]) or stopped at an error, ✔/✘ printed
            """() => /\\| Idle/.test(document.querySelector('#jp-main-statusbar')?.innerText || '')
                   && (![...document.querySelectorAll('.jp-InputArea-prompt')].some(p => p.textContent.includes('*'))
                       || document.querySelector('[data-mime-type="application/vnd.jupyter.stderr"]'))
                   && /[✔✘]/.test([...document.querySelectorAll('.jp-OutputArea-output')].map(e => e.innerText).join(''))""",
            timeout=200_000)
    except Exception:
        shot(page, f"{name}-run-timed-out")
        raise
    return "\n".join(page.eval_on_selector_all(".jp-OutputArea-output", "els => els.map(e => e.innerText)"))


# ------------------------------------------------------------------------------- the journey
def test_a_class_on_the_hub(hub):
    import requests
    prefix = hub.prefix
    sid = {n: prefix + n for n in ("alice", "bob")}               # nbgrader's student ids: OS users
    full = sum(C.max_points(A).values())
    relu = C.max_points(A)["test_relu"]
    with chromium() as browser:
        # ---- the instructor signs up (admin: approved at once) and opens formgrader
        teacher = new_page(browser)
        browser_signin(teacher, hub, "instructor")
        teacher.goto(f"{hub.url}/services/formgrader/formgrader")
        teacher.wait_for_selector(f"#main-table >> text={A}", timeout=120_000)
        status, text = page_post(teacher, f"{hub.url}/services/formgrader/formgrader/api/assignment/{A}/release")
        assert status == 200 and json.loads(text)["success"], text
        teacher.goto(f"{hub.url}/services/formgrader/formgrader")
        teacher.wait_for_selector("text=Manage Assignments")
        shot(teacher, "instructor-formgrader-released")

        # ---- bad input, and two learners signing up
        alice_http, bob_http = Person(hub, "alice"), Person(hub, "bob")
        assert "information has been sent to the admin" in alice_http.signup()
        assert "already in use" in Person(hub, "alice").signup("Another-pass-99")
        assert "has not been authorized by an administrator yet" in alice_http.login()
        assert "Invalid username or password" in Person(hub, "alice").login("Wrong-pass-123")
        assert "Invalid username or password" in Person(hub, "nobody").login("Wrong-pass-123")
        assert "information has been sent to the admin" in bob_http.signup()
        teacher.goto(f"{hub.url}/hub/authorize")
        shot(teacher, "instructor-approves-signups")
        for n in ("alice", "bob"):
            teacher.goto(f"{hub.url}/hub/authorize/{n}")
        learner_rows = teacher.inner_text("body")
        assert "alice" in learner_rows and "bob" in learner_rows

        # ---- alice, in the browser: the book's link opens her exercise in her server
        alice = new_page(browser)
        browser_signin(alice, hub, "alice", signup=False)
        alice.goto(f"{hub.url}/hub/user-redirect/course/open/{A}")
        with contextlib.suppress(Exception):
            alice.wait_for_url(re.compile(rf"/user/alice/lab/tree/{A}/{A}\.ipynb"), timeout=90_000)
        assert re.search(rf"/user/alice/lab/tree/{A}/{A}\.ipynb", alice.url), (alice.url, alice.inner_text("body")[:2000])
        bob_http.login()
        for p in (alice_http, bob_http):
            p.login()
            p.get_token()
            p.server_ready()
        r = bob_http.api("GET", f"/user/bob/course/open/{A}", allow_redirects=False)
        assert r.status_code == 302, (r.status_code, r.text[:300])
        # the answers: alice's are right, bob's ReLU gradient has its sign flipped
        for p, nb in ((alice_http, submission()), (bob_http, submission(C.wrong_relu()))):
            r = p.api("PUT", f"/user/{p.name}/api/contents/{A}/{A}.ipynb",
                      json={"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))})
            assert r.status_code == 200, r.text
            r = p.api("PUT", f"/user/{p.name}/lab/api/settings/@jupyterlab/notebook-extension:tracker",
                      json={"raw": '{"windowingMode": "none"}'})            # every cell in the page
            assert r.status_code == 204, r.text
            r = p.api("POST", f"/user/{p.name}/api/sessions", json={      # its kernel: Lab asks no question
                "path": f"{A}/{A}.ipynb", "name": f"{A}.ipynb", "type": "notebook", "kernel": {"name": "python3"}})
            assert r.status_code == 201, r.text
        text = run_all_and_read(alice, hub, "alice")
        shot(alice, "learner-checks-pass")
        assert "✔" in text and "✘" not in text, text[:3000]
        bob_page = new_page(browser)
        browser_signin(bob_page, hub, "bob", signup=False)
        text = run_all_and_read(bob_page, hub, "bob")
        shot(bob_page, "learner-check-fails")
        assert "✘" in text, text[:3000]

        # ---- submit: alice in the Assignments panel, bob through the same API
        alice.goto(f"{hub.url}/user/alice/lab")                  # Nbgrader -> Assignment List
        alice.click(".lm-MenuBar-itemLabel:text-is('Nbgrader')", timeout=120_000)
        alice.click(".lm-Menu-itemLabel:text-is('Assignment List')")
        alice.wait_for_selector(f"#fetched_assignments_list >> text={A}", timeout=60_000)
        shot(alice, "learner-assignments")
        alice.click("#fetched_assignments_list button:has-text('Submit')")
        alice.wait_for_selector(f"#submitted_assignments_list >> text={A}", timeout=60_000)
        shot(alice, "learner-submitted")
        r = bob_http.api("POST", "/user/bob/assignments/submit", data={"course_id": "dnn-learn", "assignment_id": A})
        assert json.loads(r.text)["success"], r.text
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            inbound = os.listdir(hub.state / "exchange" / "dnn-learn" / "inbound")
            if any(e.startswith(sid["alice"] + "+") for e in inbound):
                break
            time.sleep(1)
        assert sorted(e.split("+")[0] for e in inbound) == sorted(sid.values()), inbound

        # ---- the hub restarts: nothing is lost, the instructor's session still works
        hub.stop()
        hub.start()
        for p in (alice_http, bob_http):
            assert "Invalid" not in p.login() and "authorized" not in p.login()
        assert len(os.listdir(hub.state / "exchange" / "dnn-learn" / "inbound")) == 2

        # ---- isolation, from alice's own kernel and with her token (her work survived the restart)
        alice_http.server_ready()
        saved = alice_http.api("GET", f"/user/alice/api/contents/{A}/{A}.ipynb").json()["content"]
        assert any("softplus_forward" in c["source"] for c in saved["cells"]), "alice's answers are gone"
        probe = (
            "import os\n"
            f"for p in [{str(pwd.getpwnam(sid['bob']).pw_dir)!r}, {str(REPO / 'solutions' / A / (A + '.ipynb'))!r},\n"
            f"          {str(hub.state / 'course' / 'gradebook.db')!r}, {str(hub.state / 'jupyterhub.sqlite')!r},\n"
            f"          {str(hub.state / 'jupyterhub_cookie_secret')!r}, {str(hub.state / 'exchange' / 'dnn-learn' / 'inbound')!r}]:\n"
            "    try:\n"
            "        (os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)); print('READ', p)\n"
            "    except OSError as e:\n"
            "        print('DENIED', type(e).__name__, p)\n"
            "print('whoami', os.getuid(), os.getgid())\n")
        out = alice_http.run(probe)
        assert "READ" not in out and out.count("DENIED") == 6, out
        assert f"whoami {pwd.getpwnam(sid['alice']).pw_uid}" in out, out
        assert alice_http.api("GET", "/hub/api/users").status_code == 403
        assert alice_http.api("GET", "/services/formgrader/formgrader/api/assignments",
                              allow_redirects=False).status_code in (302, 403)
        alice.goto(f"{hub.url}/services/formgrader/formgrader")
        assert "You do not have permission to access JupyterHub service formgrader" in alice.inner_text("body")
        shot(alice, "learner-refused-formgrader")

        # ---- bob's kernel takes more than his memory limit: it is killed, the others go on
        bob_http.server_ready()
        out = bob_http.run("import numpy as np\nx = np.ones((1536 << 20) // 8)\nprint('still alive', x.nbytes)")
        assert "KERNEL RESTARTING" in out or "KERNEL DEAD" in out, out
        assert bob_http.run("print(6 * 7)").strip() == "42"                 # a new kernel works
        assert alice_http.run("print(6 * 7)").strip() == "42"               # alice never noticed

        # ---- the instructor collects, grades (sandboxed), sees the scores, releases feedback
        fg = f"{hub.url}/services/formgrader/formgrader"
        teacher.goto(fg)
        teacher.wait_for_selector("text=Manage Assignments", timeout=120_000)
        status, text = page_post(teacher, f"{fg}/api/assignment/{A}/collect")
        assert status == 200 and json.loads(text)["success"], text
        for who in sid.values():
            status, text = page_post(teacher, f"{fg}/api/submission/{A}/{who}/autograde")
            assert status == 200 and json.loads(text)["success"], text[-3000:]
        subs = teacher.context.request.get(f"{fg}/api/submissions/{A}").json()
        scores = {s["student"]: s["score"] for s in subs}
        assert scores == {sid["alice"]: full, sid["bob"]: full - relu}, scores
        teacher.goto(f"{fg}/manage_submissions/{A}")
        teacher.wait_for_selector(f"text={sid['bob']}")
        shot(teacher, "instructor-scores")
        for action in ("generate_feedback", "release_feedback"):
            status, text = page_post(teacher, f"{fg}/api/assignment/{A}/{action}")
            assert status == 200 and json.loads(text)["success"], text[-3000:]
        summary = f"{hub.url}/services/formgrader/files/grading/{A}/summary.html"
        teacher.goto(summary)
        assert sid["alice"] in teacher.inner_text("body") and sid["bob"] in teacher.inner_text("body")
        shot(teacher, "instructor-class-summary")
        assert requests.get(summary, cookies=alice_http.http.cookies, allow_redirects=False).status_code in (302, 403)

        # ---- alice fetches and opens her feedback
        r = alice_http.api("POST", "/user/alice/assignments/fetch_feedback", data={"course_id": "dnn-learn", "assignment_id": A})
        assert json.loads(r.text)["success"], r.text
        listing = alice_http.api("GET", f"/user/alice/api/contents/{A}/feedback").json()["content"]
        stamp = listing[0]["name"]
        alice.goto(f"{hub.url}/user/alice/files/{A}/feedback/{stamp}/{A}.html")
        body = alice.inner_text("body")
        assert f"{full:g}" in body and "hidden=True" not in alice.content(), body[:2000]
        shot(alice, "learner-feedback")


# ------------------------------------------------------------------------------- the book's link
def test_book_links_to_the_hub_only_when_asked(monkeypatch):
    """``DNNBOOK_HUB_URL`` adds "Open the exercise in the course hub" to each chapter's exercise
    box; without it (the default ``make book``) the box is unchanged."""
    from types import SimpleNamespace

    from docutils import nodes

    sys.path.insert(0, str(REPO / "book" / "_ext"))
    import exercise_bundles as eb

    def render(hub_url):
        doc = nodes.document(None, None)
        section = nodes.section()
        section += nodes.title("", "Activations")
        doc += section
        app = SimpleNamespace(
            config=SimpleNamespace(dnn_hub_url=hub_url), env=SimpleNamespace(dnn_exercises={A}),
            builder=SimpleNamespace(format="html", get_target_uri=lambda d: f"{d}.html"))
        eb._doctree_resolved(app, doc, f"book/{A}")
        return [r["refuri"] for r in doc.findall(nodes.reference)]

    plain = render("")
    assert len(plain) == 1 and "user-redirect" not in plain[0], plain        # only "Get the exercise"
    links = render("https://hub.example.org/")
    assert links[1:] == [f"https://hub.example.org/hub/user-redirect/course/open/{A}"], links


def test_kubernetes_values_follow_course_toml():
    """``deploy/helm_values.py`` takes what the local hub and Zero to JupyterHub share from
    ``hub/course.toml``: one source of truth."""
    import importlib.util

    from hub.settings import COURSE_TOML, load
    spec = importlib.util.spec_from_file_location("helm_values", REPO / "deploy" / "helm_values.py")
    helm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helm)
    s, v = load(COURSE_TOML, env={}), helm.values()
    assert v["singleuser"]["memory"]["limit"] == f"{s.memory >> 20}M" and v["singleuser"]["cpu"]["limit"] == s.cpu
    assert v["cull"] == {"enabled": True, "timeout": s.cull_timeout, "every": s.cull_every}
    assert v["hub"]["config"]["Authenticator"]["admin_users"] == [s.admin]
    assert v["hub"]["loadRoles"]["instructor"]["groups"] == [s.instructor_group]
    assert f"c.CourseDirectory.course_id = {s.course_id!r}" in \
        v["singleuser"]["extraFiles"]["learner-nbgrader"]["stringData"]
