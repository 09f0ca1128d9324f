"""Grading a batch: one sandboxed run per submission, in parallel, judged on the host.

For each submission a worker thread
1. parses the notebook and compares it with the released version (tampering),
2. draws the hidden inputs of every item from a per-student seed derived from the batch seed,
3. runs the student's code in the sandbox, which hands back plain arrays per item,
4. judges those arrays here with the same ``verify`` the notebook checks use,
and returns a :class:`Result` with a status, a reason and one verdict per graded item. The
results then go to nbgrader's gradebook through :mod:`autograder.grade.bridge` (one writer).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.checks import Report, Outcome, draw_cases, load_spec, verify
from autograder.grade import notebook as nbtools
from autograder.grade import results as sandbox_output
from autograder.grade.sandbox import Sandbox, remove_tree

#: Statuses, from best to worst; everything but "graded" needs an instructor's look.
STATUSES = ("graded", "tampered", "timed out", "out of memory", "crashed", "unparseable", "missing",
            "bad id", "ambiguous")


@dataclass
class Verdict:
    grade_id: str
    passed: bool
    text: str


@dataclass
class Result:
    student: str
    status: str = "graded"
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    verdicts: dict[str, dict[str, Verdict]] = field(default_factory=dict)   # notebook -> grade_id -> verdict
    seconds: float = 0.0
    isolation: str = ""
    stage: dict[str, Path | None] = field(default_factory=dict)           # notebook -> file for nbgrader
    profile: dict[str, float] = field(default_factory=dict)              # phase -> seconds (see PHASES)

    def worsen(self, status, reason):
        reason = sandbox_output.printable(reason, 1000)
        if STATUSES.index(status) > STATUSES.index(self.status):
            if self.status != "graded" and self.reason:       # keep what was found before
                reason = f"{reason}; also {self.status}: {self.reason}"
            self.status, self.reason = status, reason
        elif reason and status == self.status and reason not in self.reason:
            self.reason = f"{self.reason}; {reason}" if self.reason else reason


#: A number printed with 3 or more decimals: in a hidden verdict it may be (or reveal) a hidden
#: input, e.g. a hidden slope in a check's detail ("between 0.149352·dout and 1·dout"), a ratio
#: in a hint, or an array the student's own exception message printed. The relative-error and
#: tolerance figures (``1.2e-03``) and counts/indices are kept.
_PRECISE_NUMBER = re.compile(r"(?<![\w.])[-+]?\d*\.\d{3,}(?:[eE][-+]?\d+)?")


def redact_numbers(text):
    """Hidden verdicts are shown to the learner: replace precise numbers with ``…``."""
    return _PRECISE_NUMBER.sub("…", text)


_SHAPE = re.compile(r"has shape \([^)]*\)")


def hidden_text(text):
    """A hidden verdict's text as shown to the learner: precise numbers redacted, and the
    shape the student's code returned (integers the code chose) replaced by words."""
    return redact_numbers(_SHAPE.sub("has the wrong shape", text))


#: Where a submission's grading time goes (CPU seconds; ``make bench`` prints the totals). The
#: sandbox's own figures come from the runner's ``done.json`` — written by the student's process,
#: so they are checked for sense and only ever used for this profile, never for a score.
PHASES = ("prepare inputs", "sandbox start", "interpreter start", "imports", "cells", "probe",
          "host verify", "gradebook write")


def _sandbox_phases(run, done):
    """CPU seconds per sandbox phase from the runner's marks, or {} when they make no sense."""
    try:
        marks = [done["marks"][k] for k in ("start", "ready", "cells", "probe")]
        clock = [float(m[0]) for m in marks]
        cpu = [float(m[1]) for m in marks]
    except (KeyError, TypeError, ValueError, IndexError):
        return {}
    if not (all(np.isfinite(clock + cpu)) and run.started <= clock[0]
            and clock == sorted(clock) and cpu == sorted(cpu) and 0 <= cpu[0] and cpu[-1] <= run.cpu + 0.05):
        return {}
    return {"sandbox start": max(0.0, run.cpu - cpu[-1]), "interpreter start": cpu[0],
            "imports": cpu[1] - cpu[0], "cells": cpu[2] - cpu[1], "probe": cpu[3] - cpu[2]}


def student_seed(batch_seed, student):
    digest = hashlib.sha256(f"{batch_seed}:{student}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


#: The only checking code a sandbox gets: the probes (numpy only). No reference forwards, specs,
#: checks, gradcheck or hints — a forged probe has nothing correct to report.
LIB_FILES = ("__init__.py", "probe.py", "probes", "grade/__init__.py", "grade/runner.py")


def make_lib(work: Path) -> Path:
    """A read-only copy of what probing needs, for the sandboxes (no caches, no configs)."""
    import autograder
    src = Path(autograder.__file__).parent
    lib = work / "lib"
    for name in LIB_FILES:
        dest = lib / "autograder" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if (src / name).is_dir():
            shutil.copytree(src / name, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src / name, dest)
    for d, _, files in os.walk(lib):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    return lib


class Batch:
    def __init__(self, assignment, released: dict, sandbox: Sandbox, seed: int, work: Path,
                 workers: int):
        self.assignment = assignment
        self.released = released                  # notebook name -> released NotebookNode
        self.spec = load_spec(assignment)
        self.sandbox = sandbox
        self.seed = seed
        self.work = work
        self.workers = max(1, workers)
        self.leftovers: list[str] = []            # job folders that could not be removed
        self._names = _spec_names(self.spec)
        self._slots = list(range(self.workers))
        self._free = threading.Semaphore(self.workers)   # a sandbox slot is free
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ items per notebook
    def grade_ids(self, nb_name):
        """grade_id of every graded test cell of a released notebook, in order."""
        return nbtools.test_ids(self.released[nb_name])

    def _item(self, grade_id):
        name = grade_id[len("test_"):] if grade_id.startswith("test_") else grade_id
        return self.spec.ITEMS.get(name)

    # ------------------------------------------------------------------ one submission
    def grade(self, sub) -> Result:
        res = Result(sub.student, isolation=self.sandbox.isolation, notes=list(sub.notes))
        start = time.monotonic()
        problem = getattr(sub, "problem", None)          # found while collecting (collect.py)
        if problem:
            res.worsen(*problem)
        for nb_name, path in sub.files.items():
            res.verdicts[nb_name] = {}
            if path is not None and getattr(sub, "skip", False):
                self._fail_all(res, nb_name, f"not graded: {res.reason}")
                res.stage[nb_name] = None
                continue
            if path is None:
                res.worsen("missing", f"no {nb_name} in the submission")
                self._fail_all(res, nb_name, f"not graded: {nb_name} was not submitted")
                res.stage[nb_name] = None
                continue
            try:
                nb = nbtools.parse(path)
            except nbtools.Unparseable as exc:
                res.worsen("unparseable", f"{nb_name}: {exc}")
                self._fail_all(res, nb_name, f"not graded: the notebook could not be read ({exc})")
                res.stage[nb_name] = None
                continue
            res.stage[nb_name] = path
            problems = nbtools.inspect(nb, self.released[nb_name])
            if problems:
                res.worsen("tampered", "; ".join(problems[:3]) + (" …" if len(problems) > 3 else "")
                           + " (restored from the released notebook before grading)")
            self._run(res, nb_name, nb, sub.student)
        res.seconds = time.monotonic() - start
        return res

    def _fail_all(self, res, nb_name, text):
        for gid in self.grade_ids(nb_name):
            res.verdicts[nb_name][gid] = Verdict(gid, False, text)

    def _run(self, res, nb_name, nb, student):
        gids = self.grade_ids(nb_name)
        items = {gid: self._item(gid) for gid in gids}
        job = Path(tempfile.mkdtemp(prefix="job-", dir=self.work))
        cases = {}
        cpu = time.thread_time()
        try:
            (job / "in" / "cases").mkdir(parents=True)
            seed = student_seed(self.seed, student)
            for gid, item in items.items():
                if item is None:
                    continue
                cases[gid] = draw_cases(item, hidden=True, seed=seed)
                flat = {f"{i}/{k}": np.asarray(v) for i, case in enumerate(cases[gid]) for k, v in case.items()}
                np.savez(job / "in" / "cases" / f"{item.name}.npz", **flat)
            L = self.sandbox.limits
            (job / "in" / "job.json").write_text(json.dumps({
                "assignment": self.assignment, "cells": nbtools.plan(nb, self.released[nb_name]),
                "items": [items[g].name for g in gids if items[g] is not None],
                "cell_timeout": L.cell, "item_timeout": L.item,          # CPU seconds
                "cell_wall": self.sandbox.cell_backstop(L.cell),          # wall-clock backstops
                "item_wall": self.sandbox.cell_backstop(L.item)}))
            _add(res.profile, "prepare inputs", time.thread_time() - cpu)
            self._free.acquire()
            with self._lock:
                slot = self._slots.pop()
            try:
                run = self.sandbox.run(job, slot)
            finally:
                with self._lock:
                    self._slots.append(slot)
                self._free.release()
                # the hidden inputs leave the job folder before anything of the sandbox is read
                if not remove_tree(job / "in"):
                    res.worsen("crashed", "internal: the job's input folder could not be removed")
            cpu = time.thread_time()
            self._judge(res, nb_name, job, run, items, cases)
            _add(res.profile, "host verify", time.thread_time() - cpu)
        finally:
            if not remove_tree(job):
                with self._lock:
                    self.leftovers.append(str(job))

    def cleanup(self):
        """Retry removing job folders whose removal failed; the ones left (reported)."""
        self.leftovers = [j for j in self.leftovers if not remove_tree(Path(j))]
        return self.leftovers

    def _judge(self, res, nb_name, job, run, items, cases):
        out = job / "out"
        R = sandbox_output
        cells = R.read_cells(out)
        done = R.exists(out, "done.json")
        for phase, seconds in _sandbox_phases(run, R.read_json(out, "done.json", None, limit=4096)).items():
            _add(res.profile, phase, seconds)
        cell_problem = ""
        for c in cells:
            if c.get("status") == "timeout":
                L = self.sandbox.limits
                res.worsen("timed out", f"a cell went over its limit ({L.cell} s of CPU time, "
                                        f"{self.sandbox.cell_backstop(L.cell)} s of wall clock)")
                cell_problem = "a cell of your notebook timed out"
            elif c.get("status") == "memory":
                res.worsen("out of memory", "a cell ran out of memory")
                cell_problem = "a cell of your notebook ran out of memory"
        if run.killed == "timeout":
            res.worsen("timed out", f"the notebook ran longer than {self.sandbox.backstop:g} s (wall clock) and was stopped")
        elif run.killed == "cpu":
            res.worsen("timed out", f"the notebook used more than {self.sandbox.cpu_budget:g} s of CPU time and was stopped")
        elif run.killed == "memory":
            res.worsen("out of memory", f"the notebook's processes used more than "
                                        f"{self.sandbox.limits.memory >> 20} MiB together and were stopped")
        elif run.killed == "disk":
            res.worsen("crashed", "the notebook wrote too much data and was stopped")
        elif not done:
            code = run.returncode
            why = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            res.worsen("crashed", f"the notebook's process ended early ({why})")
        for gid, item in items.items():
            if item is None:
                res.verdicts[nb_name][gid] = Verdict(gid, False, "not graded: no check is defined for this cell")
                continue
            status = R.read_json(out, f"items/{item.name}.status.json", None, limit=4096)
            if not isinstance(status, dict):
                reason = res.reason if res.status != "graded" else "the check did not run"
                res.verdicts[nb_name][gid] = Verdict(gid, False, f"{item.name}: not graded — {reason}.")
                continue
            if status.get("status") == "timeout":
                res.worsen("timed out", f"{item.name}: your functions ran longer than {self.sandbox.limits.item} s")
                res.verdicts[nb_name][gid] = Verdict(gid, False, f"{item.name}: your functions did not return within {self.sandbox.limits.item} s.")
                continue
            if status.get("status") == "memory":
                res.worsen("out of memory", f"{item.name}: out of memory")
                res.verdicts[nb_name][gid] = Verdict(gid, False, f"{item.name}: your functions ran out of memory.")
                continue
            if status.get("status") != "ok":      # e.g. results too large to save (RLIMIT_FSIZE)
                res.verdicts[nb_name][gid] = Verdict(gid, False, f"{item.name}: what your functions "
                                                     f"returned could not be recorded (too large?).")
                continue
            try:
                cap = R.sanitize_hidden(R.read_captured(out, item.name), self._names)
            except (OSError, ValueError):       # missing, unreadable or malformed: never a pass
                report = Report(item.name, [Outcome("results readable", False,
                                                    "the results of your functions could not be read")])
            else:
                try:
                    report = verify(item, cases[gid], cap)
                except Exception as exc:        # a bug of the checks, reported, never a pass
                    report = Report(item.name, [Outcome("checked", False, "internal grader error "
                                                        f"({type(exc).__name__}); please tell your instructor")])
            text = hidden_text(report.text(values=False))
            if cell_problem and not report.passed:
                text += f"\n  note: {cell_problem}."
            res.verdicts[nb_name][gid] = Verdict(gid, report.passed, text)

    # ------------------------------------------------------------------ the whole batch
    def run(self, submissions, progress=None, on_result=None):
        """Grade every submission; ``on_result(res)`` is called as each one finishes."""
        results = []
        # ``workers`` sandboxes at a time; twice as many threads, so that drawing the next
        # submission's inputs and judging the last one's results overlap the sandboxes' runs
        # instead of leaving a slot idle meanwhile
        with ThreadPoolExecutor(2 * self.workers) as pool:
            futures = {pool.submit(self.grade, sub): sub for sub in submissions}
            for fut in as_completed(futures):
                sub = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:       # a grader bug: report it, keep going, score 0
                    res = Result(sub.student, status="crashed", isolation=self.sandbox.isolation,
                                 reason=f"internal grader error: {type(exc).__name__}: {exc}")
                    for nb_name in sub.files:
                        res.verdicts[nb_name] = {}
                        self._fail_all(res, nb_name, "not graded: internal grader error")
                        res.stage[nb_name] = None
                results.append(res)
                if on_result:
                    on_result(res)
                if progress:
                    progress.update(res)
        left = self.cleanup()
        if left:                                 # reported (the hidden inputs were removed first)
            import sys
            print(f"warning: {len(left)} job folder(s) could not be removed: {', '.join(left[:3])}",
                  file=sys.stderr)
        return sorted(results, key=lambda r: r.student)


def _add(profile, phase, seconds):
    profile[phase] = profile.get(phase, 0.0) + seconds


def _spec_names(spec):
    """Identifiers of the assignment's checks (function and method names a probe may call):
    the only names a hidden verdict may repeat from an error the sandbox recorded."""
    import inspect
    try:
        source = inspect.getsource(spec)
    except (OSError, TypeError):
        return frozenset()
    return frozenset(re.findall(r"[A-Za-z_][A-Za-z0-9_]{0,60}", source))
