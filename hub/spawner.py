"""A learner's server: JupyterHub's ``LocalProcessSpawner`` with three more walls.

* **Its own OS user** ``<user_prefix><hub name>`` (created on the first spawn, home 0700): other
  learners' homes, the grader's files and the hub's state are closed to it by the file system.
* **A cgroup** (``autograder.grade.sandbox.Cgroups``, the grader's, v1 or v2): the server and
  every kernel it starts share one memory limit (no swap), one process limit and one CPU quota
  (``[limits]`` in ``hub/course.toml``). A kernel that exceeds the memory is killed by the kernel's
  OOM killer (JupyterLab says "The kernel died"); other learners are not touched.
* **A bubblewrap view** of the machine (run as root, then ``setpriv`` to the learner): the same
  file system, minus the repository's ``solutions/``, ``tests/`` and git history, the hub's state
  folder (only ``exchange/`` and the learners' nbgrader configuration are put back), and ``/root``
  (the Python installation is put back read-only when it lives there).

Fail closed: without ``bwrap``, ``setpriv`` or ``useradd`` a learner's server does not start, and
the message says what to install.
"""
from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from subprocess import Popen

from jupyterhub.spawner import LocalProcessSpawner
from jupyterhub.utils import random_port
from traitlets import Any

from autograder.grade.sandbox import Cgroups, Limits
from hub.settings import REPO

HIDDEN_IN_REPO = ("solutions", "tests", ".git")


class SpawnRefused(RuntimeError):
    """The learner's server cannot start safely here (the message says why)."""


def ensure_os_user(name: str) -> pwd.struct_passwd:
    """The OS user ``name``, created when missing: own group, home 0700, no password."""
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        if not shutil.which("useradd"):
            raise SpawnRefused("useradd is missing: learners' OS users cannot be created") from None
        subprocess.run(["useradd", "--create-home", "--user-group", "--shell", "/bin/bash", name],
                       check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        pw = pwd.getpwnam(name)
    os.chmod(pw.pw_dir, 0o700)
    return pw


def hidden_paths(state: Path) -> list[Path]:
    """What a learner's server must not see: the repository's solutions, tests and git history
    (also a linked worktree's shared git folder), and the hub's state."""
    out = [REPO / n for n in HIDDEN_IN_REPO if (REPO / n).exists()]
    git = REPO / ".git"
    if git.is_file():                             # a linked worktree: .git names the real folder
        proc = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--git-common-dir"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if proc.returncode == 0 and proc.stdout.strip():
            out.append((REPO / proc.stdout.strip()).resolve())
    return out + [state]


def bwrap_view(settings, pw) -> list[str]:
    """bubblewrap's arguments: the machine's file system with :func:`hidden_paths` hidden."""
    for tool in ("bwrap", "setpriv"):
        if not shutil.which(tool):
            raise SpawnRefused(f"{tool} is missing (Debian/Ubuntu: apt-get install "
                               f"{'bubblewrap' if tool == 'bwrap' else 'util-linux'})")
    args = [shutil.which("bwrap"), "--dev-bind", "/", "/", "--die-with-parent"]
    needed = {Path(os.path.realpath(sys.base_prefix)), Path(os.path.realpath(sys.prefix)), REPO}
    if Path("/root").is_dir():
        args += ["--tmpfs", "/root"]
        made = set()
        for p in sorted(needed):
            if p.is_relative_to("/root"):
                for parent in reversed(p.relative_to("/root").parents[:-1]):   # bwrap makes them 0700
                    d = Path("/root") / parent
                    if d not in made:
                        args += ["--perms", "0755", "--dir", str(d)]
                        made.add(d)
                args += ["--ro-bind", str(p), str(p)]
    for p in hidden_paths(settings.state):
        args += ["--tmpfs", str(p)] if p.is_dir() else ["--ro-bind", "/dev/null", str(p)]
    args += ["--bind", str(settings.exchange), str(settings.exchange),
             "--ro-bind", str(settings.learner_config), str(settings.learner_config),
             "--chdir", pw.pw_dir, "--",
             shutil.which("setpriv"), f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups",
             "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return args


class LearnerCgroup:
    """The cgroup of one learner's server: memory (no swap) and processes through the grader's
    :class:`Cgroups`, plus a CPU quota where the cpu controller is writable."""

    def __init__(self, settings):
        self.settings = settings
        self.cgroups = Cgroups(Limits(memory=settings.memory, nproc=settings.processes))

    def create(self) -> dict:
        if not self.cgroups.version:
            raise SpawnRefused("no writable cgroup (v1 memory+pids or v2) for the learner's limits; "
                               "run the hub as root on a host or container that delegates cgroups")
        dirs = self.cgroups.create()
        self._cpu_quota(dirs)
        return dirs

    def _cpu_quota(self, dirs):
        period = 100_000
        quota = max(1000, int(self.settings.cpu * period))
        try:
            if "" in dirs:
                (dirs[""] / "cpu.max").write_text(f"{quota} {period}")
                return
            own = {}
            for line in open("/proc/self/cgroup"):
                _, ctrls, path = line.rstrip("\n").split(":", 2)
                for c in ctrls.split(","):
                    own[c] = path
            for mount in (Cgroups.ROOT / "cpu", Cgroups.ROOT / "cpu,cpuacct"):
                if (mount / "cpu.cfs_quota_us").exists() and "cpu" in own:
                    d = mount / own["cpu"].lstrip("/") / next(iter(dirs.values())).name
                    d.mkdir(exist_ok=True)
                    (d / "cpu.cfs_period_us").write_text(str(period))
                    (d / "cpu.cfs_quota_us").write_text(str(quota))
                    dirs["cpu"] = d
                    return
        except OSError:
            pass                                   # memory and processes still bounded

    def remove(self, dirs):
        self.cgroups.remove(dirs)


class LearnerSpawner(LocalProcessSpawner):
    """See the module doc. ``settings`` is set by ``hub/jupyterhub_config.py``."""

    settings = Any(help="hub.settings.Settings").tag(config=True)

    def _os_user(self):
        return self.settings.os_user(self.user.name)

    def user_env(self, env):
        pw = pwd.getpwnam(self._os_user())
        env.update(USER=pw.pw_name, LOGNAME=pw.pw_name, HOME=pw.pw_dir, SHELL=pw.pw_shell or "/bin/bash")
        return env

    def get_env(self):
        env = super().get_env()
        env["JUPYTER_CONFIG_PATH"] = str(self.settings.learner_config)     # hub/state.py writes it
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        env.pop("JUPYTER_RUNTIME_DIR", None)
        env.pop("JUPYTER_DATA_DIR", None)
        return env

    def make_preexec_fn(self, name):
        dirs = getattr(self, "_cgroup_dirs", {})

        def preexec():                             # root until setpriv, inside bwrap
            Cgroups.enter(dirs)
        return preexec

    async def start(self):
        try:
            pw = ensure_os_user(self._os_user())
            wrap = bwrap_view(self.settings, pw)
            self._cgroup = LearnerCgroup(self.settings)
            self._cgroup_dirs = self._cgroup.create()
        except (SpawnRefused, ValueError, subprocess.CalledProcessError) as exc:
            self.log.error("cannot start %s's server: %s", self.user.name, exc)
            raise SpawnRefused(f"The course hub cannot start this server: {exc}") from exc
        if self.port == 0:
            self.port = random_port()
        cmd = wrap + list(self.cmd) + self.get_args()
        self.log.info("Spawning %s", shlex.join(cmd))
        try:
            self.proc = Popen(cmd, env=self.get_env(), start_new_session=True,
                              preexec_fn=self.make_preexec_fn(pw.pw_name))
        except OSError:
            self._cgroup.remove(self._cgroup_dirs)
            self._cgroup_dirs = {}
            raise
        self.pid = self.proc.pid
        return (self.ip or "127.0.0.1", self.port)

    async def stop(self, now=False):
        await super().stop(now=now)
        dirs = getattr(self, "_cgroup_dirs", None)
        if dirs:
            self._cgroup.remove(dirs)
            self._cgroup_dirs = {}
