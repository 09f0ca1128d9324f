"""The course hub under a class: N simulated learners at once through the hub's REST API and
kernel websockets (sign up, approval, sign in, start a server, run a cell, submit).

Reports, per N: time from "start my server" to a running server (p50/p95), the time of a first
cell in a new kernel (p50/p95), memory per learner server (its OS user's processes: the server and
one kernel), and the CPU seconds of the hub and of the proxy over the run; then the load average.
Needs root, bubblewrap (as ``make hub``); creates OS users ``bench<hex>-*`` and removes them.

    sudo .venv/bin/python benchmarks/bench_hub.py 10 30
"""
from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_hub import Hub, Person, remove_users  # noqa: E402

A = "activations"


def cpu_seconds(pid) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pid(parent, needle) -> int:
    out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(parent)], stdout=subprocess.PIPE, text=True).stdout
    return next(int(line.split()[0]) for line in out.splitlines() if needle in line)


def rss_of_user(name) -> int:
    uid = pwd.getpwnam(name).pw_uid
    out = subprocess.run(["ps", "-o", "rss=", "-u", str(uid)], stdout=subprocess.PIPE, text=True).stdout
    return sum(int(x) for x in out.split()) * 1024


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def one_learner(hub, name):
    p = Person(hub, name)
    p.login()
    p.get_token()
    t0 = time.monotonic()
    p.server_ready(timeout=600)
    ready = time.monotonic() - t0
    t0 = time.monotonic()
    out = p.run("import numpy as np; print(np.arange(3).sum())")
    cell = time.monotonic() - t0
    assert out.strip() == "3", out
    r = p.api("GET", f"/user/{name}/course/open/{A}", allow_redirects=False)
    r = p.api("POST", f"/user/{name}/assignments/submit", data={"course_id": "dnn-learn", "assignment_id": A})
    submitted = json.loads(r.text).get("success", False)
    return ready, cell, submitted


def run(n) -> dict:
    prefix = f"bench{secrets.token_hex(2)}-"
    top = Path(tempfile.mkdtemp(prefix="hubbench-"))
    top.chmod(0o711)
    hub = Hub(top / "state", prefix)
    try:
        hub.start()
        admin = Person(hub, "instructor")
        admin.signup()
        admin.login()
        admin.get_token()
        names = [f"l{i:03d}" for i in range(n)]
        for name in names:
            Person(hub, name).signup("Learner-pass-123")
            admin.http.get(f"{hub.url}/hub/authorize/{name}")
        # the instructor releases the exercise (nbgrader, as formgrader's Release does)
        subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "release_assignment", A],
                       cwd=hub.state / "course", check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        hub_pid = hub.proc.pid
        proxy_pid = child_pid(hub_pid, "configurable-http-proxy")
        cpu0 = cpu_seconds(hub_pid), cpu_seconds(proxy_pid)
        from test_hub import PASSWORD
        for name in names:
            PASSWORD[name] = "Learner-pass-123"
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=n) as pool:
            results = list(pool.map(lambda nm: one_learner(hub, nm), names))
        wall = time.monotonic() - t0
        cpu1 = cpu_seconds(hub_pid), cpu_seconds(proxy_pid)
        rss = [rss_of_user(prefix + nm) for nm in names]
        ready = [r[0] for r in results]
        cell = [r[1] for r in results]
        return {"n": n, "wall": wall, "ready_p50": pct(ready, 0.5), "ready_p95": pct(ready, 0.95),
                "cell_p50": pct(cell, 0.5), "cell_p95": pct(cell, 0.95),
                "rss_mib": statistics.mean(rss) / 2**20, "submitted": sum(r[2] for r in results),
                "hub_cpu": cpu1[0] - cpu0[0], "proxy_cpu": cpu1[1] - cpu0[1], "load": os.getloadavg()}
    finally:
        hub.stop()
        remove_users(prefix)
        shutil.rmtree(top, ignore_errors=True)


def main(argv):
    sizes = [int(a) for a in argv] or [10, 30]
    print(f"{'N':>3} {'wall s':>7} {'ready p50/p95 s':>16} {'1st cell p50/p95 s':>19} {'MiB/learner':>11} "
          f"{'submitted':>9} {'hub CPU s':>9} {'proxy CPU s':>11}  load (1/5/15 min)")
    for n in sizes:
        r = run(n)
        print(f"{r['n']:>3} {r['wall']:>7.1f} {r['ready_p50']:>7.1f} / {r['ready_p95']:<6.1f} "
              f"{r['cell_p50']:>8.1f} / {r['cell_p95']:<8.1f} {r['rss_mib']:>11.0f} {r['submitted']:>9} "
              f"{r['hub_cpu']:>9.1f} {r['proxy_cpu']:>11.1f}  {' '.join(f'{x:.1f}' for x in r['load'])}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
