"""Running one submission in isolation.

Modes (``detect(requested)`` picks the strongest that works here and says which):

``bwrap``
    bubblewrap: a new mount namespace holding only the OS, the Python installation, the checking
    code (read-only) and the submission's own ``in``/``out`` folders; new network, PID, IPC and
    UTS namespaces (no network at all); ``--die-with-parent``. When the grader runs as root the
    sandbox runs as a dedicated unprivileged uid per worker slot (``setpriv``), which also makes
    ``RLIMIT_NPROC`` effective; the root-only paths it needs (e.g. a Python under ``/root``) are
    first bind-mounted by root into the job's stage folder inside a private mount namespace.
``rlimits`` (degraded)
    no bubblewrap: the same limits and uid drop, a private temporary folder as working directory,
    and no network when ``unshare -n`` is allowed — but the submission can read any file its uid
    can. Every result is marked ``isolation=degraded``.

Both apply rlimits (address space, CPU time, processes, file size, open files, no core dumps), a
wall-clock limit enforced by the parent with SIGKILL, and a cap on what the job may write.
"""
from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BASE_UID = 61000           # sandbox uids: BASE_UID .. BASE_UID + MAX_UIDS - 1 (when the grader is root)
MAX_UIDS = 1000
_UIDS: dict[int, int] = {}     # worker slot -> uid reserved by this process
_UID_LOCKS: dict[int, object] = {}
_UID_MUTEX = threading.Lock()


def slot_uid(slot):
    """The unprivileged uid of a worker slot, reserved for this process's lifetime with an
    ``flock`` on ``<tmp>/dnn-grade-uids/<uid>.lock``. Two grader runs at once (two courses, two
    assignments, parallel tests) used to share ``BASE_UID + slot``: each run's ``_kill_uid`` then
    SIGKILLed the other's sandboxes (a correct submission ended "crashed"), and they shared one
    RLIMIT_NPROC budget."""
    import fcntl
    import tempfile
    with _UID_MUTEX:
        if slot in _UIDS:
            return _UIDS[slot]
        folder = Path(tempfile.gettempdir()) / "dnn-grade-uids"
        folder.mkdir(mode=0o755, exist_ok=True)
        for uid in range(BASE_UID, BASE_UID + MAX_UIDS):
            if uid in _UID_LOCKS:
                continue
            f = open(folder / f"{uid}.lock", "a")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                f.close()
                continue
            _UID_LOCKS[uid], _UIDS[slot] = f, uid
            return uid
        raise RuntimeError(f"no free sandbox uid in {BASE_UID}..{BASE_UID + MAX_UIDS - 1}")


@dataclass
class Limits:
    wall: float = 120.0            # seconds for the whole submission
    cell: int = 30                 # seconds per notebook cell
    item: int = 30                 # seconds per graded item's probe
    memory: int = 2 << 30          # RLIMIT_AS, bytes
    cpu: int = 120                 # RLIMIT_CPU, seconds
    nproc: int = 64
    fsize: int = 16 << 20          # largest file the job may write
    nofile: int = 256
    tmp: int = 64 << 20            # size of the sandbox's /tmp
    out: int = 64 << 20            # total bytes the job may leave in its out folder


@dataclass
class RunResult:
    returncode: int | None
    seconds: float
    killed: str = ""               # "timeout" | "disk" | ""
    stderr_tail: str = ""


def _is_root():
    return os.geteuid() == 0


def _which(name):
    return shutil.which(name) or next((p for p in (f"/usr/bin/{name}", f"/bin/{name}") if os.path.exists(p)), None)


class Sandbox:
    def __init__(self, mode, lib_dir: Path, limits: Limits):
        self.mode = mode
        self.lib = Path(lib_dir)
        self.limits = limits
        self.python = sys.executable
        self.prefixes = sorted({os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)})
        self.root = _is_root()

    @property
    def isolation(self):
        return "full" if self.mode == "bwrap" else "degraded"

    # ------------------------------------------------------------------ command lines
    def _env(self, in_dir, out_dir, tmp):
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": tmp, "TMPDIR": tmp,
            "PYTHONPATH": str(self.lib) if self.mode != "bwrap" else "/sandbox/lib",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
            "NBGRADER_EXECUTION": "autograde", "MPLBACKEND": "Agg", "MPLCONFIGDIR": tmp,
            "IPYTHONDIR": f"{tmp}/.ipython", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "LANG": "C.UTF-8",
        }

    def _bwrap_args(self, job: Path, stage: dict[str, str], uid, program):
        L = self.limits
        args = [_which("bwrap"), "--unshare-all", "--die-with-parent", "--new-session",
                "--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev",
                # bwrap's /dev is a tmpfs the sandbox uid owns, as big as half the RAM: give
                # /dev/shm its own small tmpfs and make the rest of /dev read-only
                "--size", str(L.tmp), "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
                "--size", str(L.tmp), "--tmpfs", "/tmp"]
        for p in ("/usr", "/etc"):
            args += ["--ro-bind", p, p]
        for p in ("/bin", "/sbin", "/lib", "/lib64", "/lib32"):
            if os.path.islink(p):
                args += ["--symlink", os.readlink(p), p]
            elif os.path.isdir(p):
                args += ["--ro-bind", p, p]
        for real, src in stage.items():                 # Python installation(s), read-only
            args += ["--ro-bind", src, real]
        args += ["--ro-bind", str(job / "stage_lib" if self.root else self.lib), "/sandbox/lib",
                 "--ro-bind", str(job / "in"), "/sandbox/in",
                 "--bind", str(job / "out"), "/sandbox/out", "--chdir", "/sandbox/out"]
        if not self.root:
            args += ["--uid", str(uid), "--gid", str(uid)]
        args += ["--clearenv"]
        for k, v in self._env("/sandbox/in", "/sandbox/out", "/tmp").items():
            args += ["--setenv", k, v]
        return args + ["--"] + (program or [self.python, "-m", "autograder.grade.runner",
                                            "/sandbox/in", "/sandbox/out"])

    def command(self, job: Path, slot: int, program=None):
        """(argv, env, cwd) that run the job's runner (or ``program``) under this sandbox mode."""
        uid = slot_uid(slot) if self.root else BASE_UID + slot
        if self.mode == "bwrap":
            if self.root:
                # Root binds what the sandbox needs into the job's stage folder (inside a private
                # mount namespace), then drops to the slot's uid, which runs bwrap unprivileged.
                stage, binds = {}, []
                for i, real in enumerate(self.prefixes):
                    dst = job / f"stage_py{i}"
                    dst.mkdir(exist_ok=True)
                    binds.append(f"mount --bind {shlex.quote(real)} {shlex.quote(str(dst))}")
                    stage[real] = str(dst)
                (job / "stage_lib").mkdir(exist_ok=True)
                binds.append(f"mount --bind {shlex.quote(str(self.lib))} {shlex.quote(str(job / 'stage_lib'))}")
                inner = self._bwrap_args(job, stage, uid, program)
                drop = [_which("setpriv"), f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                        "--no-new-privs", "--"]
                script = " && ".join(binds) + " && exec " + shlex.join(drop + inner)
                return [_which("unshare"), "--mount", "--propagation", "private", "--",
                        "/bin/sh", "-c", script], None, str(job)
            return self._bwrap_args(job, {p: p for p in self.prefixes}, uid, program), None, str(job)
        # degraded: rlimits + uid drop + no network where allowed
        tmp = job / "out" / "tmp"
        tmp.mkdir(exist_ok=True)
        argv = program or [self.python, "-m", "autograder.grade.runner", str(job / "in"), str(job / "out")]
        if self.root:
            argv = [_which("setpriv"), f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                    "--no-new-privs", "--"] + argv
            if _which("unshare"):
                argv = [_which("unshare"), "--net", "--"] + argv
        if self.root:
            os.chown(tmp, uid, uid)
        return argv, self._env(str(job / "in"), str(job / "out"), str(tmp)), str(job / "out")

    # ------------------------------------------------------------------ running
    def _preexec(self):
        import resource
        L = self.limits
        for res, value in ((resource.RLIMIT_AS, L.memory), (resource.RLIMIT_CPU, L.cpu),
                           (resource.RLIMIT_NPROC, L.nproc if self.root else 4096),
                           (resource.RLIMIT_FSIZE, L.fsize), (resource.RLIMIT_NOFILE, L.nofile),
                           (resource.RLIMIT_CORE, 0)):
            try:
                resource.setrlimit(res, (value, value))
            except (ValueError, OSError):
                pass

    def prepare(self, job: Path, slot: int):
        (job / "out").mkdir(parents=True, exist_ok=True)
        if self.root:
            uid = slot_uid(slot)
            os.chmod(job, 0o755)
            for d, _, files in os.walk(job / "in"):
                os.chmod(d, 0o755)
                for f in files:
                    os.chmod(os.path.join(d, f), 0o644)
            os.chown(job / "out", uid, uid)

    def run(self, job: Path, slot: int) -> RunResult:
        self.prepare(job, slot)
        argv, env, cwd = self.command(job, slot)
        log = open(job / "sandbox.log", "wb")
        start = time.monotonic()
        proc = subprocess.Popen(argv, env=env if env is not None else {"PATH": "/usr/bin:/bin"},
                                cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                preexec_fn=self._preexec, start_new_session=True)
        killed = ""
        try:
            while True:
                try:
                    proc.wait(timeout=0.25)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if time.monotonic() - start > self.limits.wall:
                    killed = "timeout"
                elif _tree_size(job / "out", self.limits.out) > self.limits.out:
                    killed = "disk"
                if killed:
                    self.kill(proc, slot)
                    proc.wait()
                    break
        finally:
            log.close()
            if self.root:
                _kill_uid(slot_uid(slot))       # nothing of the job may outlive it
        tail = (job / "sandbox.log").read_bytes()[-2000:].decode("utf-8", "replace")
        return RunResult(proc.returncode, time.monotonic() - start, killed, tail)

    def kill(self, proc, slot):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.root:
            _kill_uid(slot_uid(slot))


def _tree_size(path: Path, stop_at):
    total = 0
    stack = [str(path)]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for e in it:
                    try:
                        if e.is_dir(follow_symlinks=False):
                            stack.append(e.path)
                        else:
                            total += e.stat(follow_symlinks=False).st_size
                    except OSError:
                        pass
                    if total > stop_at:
                        return total
        except OSError:
            pass
    return total


def _kill_uid(uid):
    """SIGKILL every process of a sandbox uid (each worker slot has its own)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid:
                os.kill(int(pid), signal.SIGKILL)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass


def detect(requested="auto", lib_dir=None, limits=None):
    """The sandbox mode to use and a one-line explanation of why."""
    if requested not in ("auto", "bwrap", "rlimits"):
        raise ValueError(f"unknown sandbox mode {requested!r}")
    reason = ""
    if requested in ("auto", "bwrap"):
        if _which("bwrap"):
            ok, reason = _try_bwrap(lib_dir, limits or Limits())
            if ok:
                return "bwrap", "bubblewrap sandbox" + (" as an unprivileged uid per worker" if _is_root() else "")
        else:
            reason = "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
        if requested == "bwrap":
            raise RuntimeError(f"bubblewrap sandbox unavailable: {reason}")
    return "rlimits", f"DEGRADED isolation (rlimits{', uid drop' if _is_root() else ''}): {reason}"


def _try_bwrap(lib_dir, limits):
    import tempfile
    with tempfile.TemporaryDirectory(prefix="dnn-grade-probe-") as tmp:
        os.chmod(tmp, 0o711)                    # the sandbox uid must traverse, not list
        job = Path(tmp) / "job"
        (job / "in").mkdir(parents=True)
        sandbox = Sandbox("bwrap", Path(lib_dir or tmp), limits)
        sandbox.prepare(job, 0)
        argv, env, cwd = sandbox.command(job, 0, program=[sandbox.python, "-c", "print(42)"])
        try:
            proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                                  timeout=30, preexec_fn=sandbox._preexec)
        except Exception as exc:
            return False, f"bwrap failed to start: {exc}"
        if proc.returncode == 0 and "42" in proc.stdout:
            return True, ""
        return False, f"bwrap test run failed: {(proc.stderr or proc.stdout).strip()[:200]}"
