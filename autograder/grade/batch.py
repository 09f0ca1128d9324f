"""Grading a batch: one sandboxed run per submission, in parallel, judged on the host.

For each submission a worker thread
1. parses the notebook and compares it with the released version (tampering),
2. hands it the hidden inputs of every item, drawn ONCE per batch from the batch seed (every
   student of a run is judged on the same inputs; the files are linked, never rewritten),
3. runs the student's code in the sandbox, which hands back plain arrays per item,
4. judges those arrays here with the same ``verify`` the notebook checks use,
and returns a :class:`Result` with a status, a reason and one verdict per graded item. The
results then go to nbgrader's gradebook through :mod:`autograder.grade.gradebook` (one writer).
"""
from __future__ import annotations

import compileall
import inspect
import json
import logging
import os
import queue
import re
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np

from autograder.checks import Outcome, Report, draw_cases, load_spec, verify
from autograder.grade import notebook, runner, sandbox_output
from autograder.grade.model import CELL, ITEM, KILLED, SHIFTED, Result, Status, Verdict, status_of
from autograder.grade.sandbox import EMPTY, Sandbox, remove_tree
from autograder.grade.text import hidden_text

log = logging.getLogger(__name__)


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


#: What the instructor is told to do when only the wall clock stopped honest-looking work.
REGRADE = "regrade this student (--student) when the machine is less busy"


#: The files of a job's inputs that every job of a batch shares.
INPUT_FILES = (runner.CASES_BIN, runner.CASES_INDEX)

#: The only checking code a sandbox gets: the probes (numpy only). No reference forwards, specs,
#: checks, gradcheck or hints — a forged probe has nothing correct to report.
LIB_FILES = ("__init__.py", "probe.py", "probes", "grade/__init__.py", "grade/runner.py")


def make_lib(work: Path) -> Path:
    """A read-only copy of what probing needs, for the sandboxes (no configs; no cache but the
    bytecode compiled here from the copy)."""
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
    # compiled here, once per run: each sandbox imports it without compiling ~1000 lines again
    # (~6 ms of CPU per submission); the sandbox reads these files and cannot write them
    compileall.compile_dir(str(lib), quiet=2, workers=1)
    (lib / EMPTY).touch()               # hides the editable install's hooks (sandbox.editable_hooks)
    for d, _, files in os.walk(lib):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    return lib


class Batch:
    """Grades submissions of one assignment against its ``released`` notebooks (name ->
    NotebookNode, read once by the caller), ``workers`` sandboxes at a time."""

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
        self._by_grade_id = {item.grade_id: item for item in self.spec.ITEMS.values()}
        self._grade_ids = {nb: notebook.test_ids(rel) for nb, rel in released.items()}
        cpu = time.thread_time()
        self._memo: dict[str, dict] = {}          # item -> reference values per case (checks.Judge.reference)
        self._cases, self._case_files = self._draw_inputs(work / "cases")
        #: CPU seconds drawing and writing the hidden inputs (once for the whole batch)
        self.setup_cpu = time.thread_time() - cpu
        self._slots: queue.Queue[int] = queue.Queue()      # free sandbox slots
        for slot in range(self.workers):
            self._slots.put(slot)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ items per notebook
    def grade_ids(self, nb_name):
        """grade_id of every graded test cell of a released notebook, in order."""
        return self._grade_ids[nb_name]

    def _item(self, grade_id):
        """The spec's item graded by the test cell ``grade_id``, or None."""
        return self._by_grade_id.get(grade_id)

    # ------------------------------------------------------------------ one submission
    def grade(self, sub) -> Result:
        res = Result(sub.student, isolation=self.sandbox.isolation, notes=list(sub.notes))
        start = time.monotonic()
        if sub.problem:                                   # found while collecting (collect.py)
            res.worsen(*sub.problem)
        for nb_name, path in sub.files.items():
            res.stage[nb_name] = None
            nb = self._readable(res, nb_name, path, sub.skip)
            if nb is None:
                continue
            res.stage[nb_name] = path
            problems = notebook.tampering(nb, self.released[nb_name])
            if problems:
                res.worsen(Status.TAMPERED, "; ".join(problems[:3]) + (" …" if len(problems) > 3 else "")
                           + " (restored from the released notebook before grading)")
            self._run(res, nb_name, nb)
        res.seconds = time.monotonic() - start
        return res

    def _readable(self, res, nb_name, path, skip):
        """The parsed notebook, or None with every cell failed and the reason recorded."""
        gids = self.grade_ids(nb_name)
        if path is not None and skip:
            res.fail_all(nb_name, gids, f"not graded: {res.reason}")
            return None
        if path is None:
            res.worsen(Status.MISSING, f"no {nb_name} in the submission")
            res.fail_all(nb_name, gids, f"not graded: {nb_name} was not submitted")
            return None
        try:
            return notebook.parse(path)
        except notebook.Unparseable as exc:
            res.worsen(Status.UNPARSEABLE, f"{nb_name}: {exc}")
            res.fail_all(nb_name, gids, f"not graded: the notebook could not be read ({exc})")
            return None

    def _run(self, res, nb_name, nb):
        gids = self.grade_ids(nb_name)
        items = {gid: self._item(gid) for gid in gids}
        res.verdicts[nb_name] = {}
        job = Path(tempfile.mkdtemp(prefix="job-", dir=self.work))
        try:
            cpu = time.thread_time()
            cases = self._prepare(job, nb, self.released[nb_name], items)
            res.add_time("prepare inputs", time.thread_time() - cpu)
            slot = self._slots.get()
            try:
                run = self.sandbox.run(job, slot)
            finally:
                self._slots.put(slot)
                # the hidden inputs leave the job folder before anything of the sandbox is read
                if not remove_tree(job / "in"):
                    res.worsen(Status.CRASHED, "internal: the job's input folder could not be removed")
            cpu = time.thread_time()
            self._judge(res, nb_name, job / "out", run, items, cases)
            res.add_time("host verify", time.thread_time() - cpu)
        finally:
            if not remove_tree(job):
                with self._lock:
                    self.leftovers.append(str(job))

    def _draw_inputs(self, folder):
        """Every item's hidden cases (item name -> list of dicts of arrays), drawn from the batch
        seed, and the folder holding them (``INPUT_FILES``, read-only, shared by every job).
        Drawing them per student was a third of the host's work per submission (``make bench``)."""
        folder.mkdir()
        cases = {item.name: draw_cases(item, hidden=True, seed=self.seed) for item in self.spec.ITEMS.values()}
        for case in (case for item_cases in cases.values() for case in item_cases):
            for v in case.values():
                if isinstance(v, np.ndarray):
                    v.setflags(write=False)         # shared: judged on copies (``_verify``)
        runner.write_cases(folder, cases)
        for name in INPUT_FILES:
            os.chmod(folder / name, 0o444)
        os.chmod(folder, 0o755)
        return cases, folder

    def _hand_out(self, src, dst):
        """Put a shared input file into a job: a hard link where the sandbox cannot write to it
        (bubblewrap binds the inputs read-only; as root, a sandbox uid cannot write a root-owned
        file), a copy otherwise (the rlimits sandbox run as the grader's own uid)."""
        if self.sandbox.mode == "bwrap" or self.sandbox.root:
            try:
                os.link(src, dst)
                return
            except OSError:
                pass
        shutil.copyfile(src, dst)

    def _prepare(self, job, nb, released, items):
        """Write the job's inputs (``in/job.json``, the batch's cases linked in); the cases of
        the job's items (grade id -> cases)."""
        (job / "in").mkdir(parents=True)
        for name in INPUT_FILES:
            self._hand_out(self._case_files / name, job / "in" / name)
        cases = {gid: self._cases[item.name] for gid, item in items.items() if item is not None}
        L = self.sandbox.limits
        (job / "in" / "job.json").write_text(json.dumps({
            "assignment": self.assignment, "cells": notebook.plan(nb, released),
            "items": [item.name for item in items.values() if item is not None],
            "cell_timeout": L.cell, "item_timeout": L.item,          # CPU seconds
            "cell_wall": self.sandbox.cell_backstop(L.cell),          # wall-clock backstops
            "item_wall": self.sandbox.cell_backstop(L.item)}))
        return cases

    def cleanup(self):
        """Retry removing job folders whose removal failed; the ones left (reported)."""
        self.leftovers = [j for j in self.leftovers if not remove_tree(Path(j))]
        return self.leftovers

    # ------------------------------------------------------------------ judging what came back
    def _judge(self, res, nb_name, out, run, items, cases):
        done = sandbox_output.read_json(out, "done.json", None, limit=4096)
        for phase, seconds in _sandbox_phases(run, done).items():
            res.add_time(phase, seconds)
        cell_problem = self._judge_cells(res, sandbox_output.read_cells(out))
        self._judge_run(res, run, sandbox_output.exists(out, "done.json"))
        for gid, item in items.items():
            if item is None:
                verdict = Verdict(gid, False, "not graded: no check is defined for this cell")
            else:
                verdict = self._judge_item(res, gid, item, out, cases.get(gid), cell_problem)
            res.verdicts[nb_name][gid] = verdict

    def _judge_cells(self, res, cells):
        """Worsen ``res`` for cells that ran out of time or memory; what to tell the learner."""
        L, problem = self.sandbox.limits, ""
        for c in cells:
            status = status_of(CELL, c.get("status"))
            if status == Status.TIMED_OUT and c.get("status") == "wall":
                res.worsen(status, f"a cell was stopped by the wall-clock backstop "
                                   f"({self.sandbox.cell_backstop(L.cell)} s) before using its {L.cell} s of CPU "
                                   f"time: it waited, or the machine was overloaded — {REGRADE}")
                problem = "a cell of your notebook timed out"
            elif status == Status.TIMED_OUT:
                res.worsen(status, f"a cell went over its limit ({L.cell} s of CPU time)")
                problem = "a cell of your notebook timed out"
            elif status == Status.OUT_OF_MEMORY:
                res.worsen(status, "a cell ran out of memory")
                problem = "a cell of your notebook ran out of memory"
        return problem

    def _judge_run(self, res, run, done):
        """Worsen ``res`` when the sandbox stopped the run, or the runner did not finish."""
        why = {"timeout": f"the notebook ran longer than {self.sandbox.backstop:g} s (wall clock) and was stopped "
                          f"before using its CPU time: it waited, or the machine was overloaded — {REGRADE}",
               "cpu": f"the notebook used more than {self.sandbox.cpu_budget:g} s of CPU time and was stopped",
               "memory": f"the notebook's processes used more than "
                         f"{self.sandbox.limits.memory >> 20} MiB together and were stopped",
               "disk": "the notebook wrote too much data and was stopped"}
        if status_of(KILLED, run.killed):
            res.worsen(KILLED[run.killed], why[run.killed])
        elif not done:
            code = run.returncode
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            res.worsen(Status.CRASHED, f"the notebook's process ended early ({how})")

    def _judge_item(self, res, gid, item, out, cases, cell_problem) -> Verdict:
        status = sandbox_output.read_json(out, f"items/{item.name}.status.json", None, limit=4096)
        if not isinstance(status, dict):
            if not res.needs_look:         # the run ended normally, yet this item left no status
                res.worsen(Status.CRASHED, f"{item.name}: the sandbox left no readable status of this check")
            return Verdict(gid, False, f"{item.name}: not graded — {res.reason}.")
        worse = status_of(ITEM, status.get("status"))
        if worse == Status.TIMED_OUT and status.get("status") == "wall":
            wall = self.sandbox.cell_backstop(self.sandbox.limits.item)
            res.worsen(worse, f"{item.name}: stopped by the wall-clock backstop ({wall} s) before using its "
                              f"{self.sandbox.limits.item} s of CPU time: your functions waited, or the machine "
                              f"was overloaded — {REGRADE}")
            return Verdict(gid, False, f"{item.name}: not graded — your functions did not return within {wall} s "
                                       "of wall clock (they waited, or the grading machine was overloaded).")
        if worse == Status.TIMED_OUT:
            res.worsen(worse, f"{item.name}: your functions ran longer than {self.sandbox.limits.item} s")
            return Verdict(gid, False, f"{item.name}: your functions did not return within {self.sandbox.limits.item} s.")
        if worse == Status.OUT_OF_MEMORY:
            res.worsen(worse, f"{item.name}: out of memory")
            return Verdict(gid, False, f"{item.name}: your functions ran out of memory.")
        if status.get("status") != "ok":      # e.g. results too large to save (RLIMIT_FSIZE)
            return Verdict(gid, False, f"{item.name}: what your functions returned could not be recorded (too large?).")
        report = self._verify(item, out, cases)
        if report.unreadable:
            # the runner said "ok", yet what it wrote cannot be read: never a silent 0 (an honest
            # run cannot cause this; the student's code tampering with the output folder can)
            res.worsen(Status.CRASHED, f"{item.name}: the results the sandbox wrote could not be read")
        if report.shifted:
            res.worsen(Status.FLAGGED, f"{item.name}: {SHIFTED}")
        text = hidden_text(report.text(values=False))
        if cell_problem and not report.passed:
            text += f"\n  note: {cell_problem}."
        return Verdict(gid, report.passed, text)

    def _verify(self, item, out, cases) -> Report:
        try:
            cap = sandbox_output.sanitize_hidden(sandbox_output.read_captured(out, item.name), self._names)
        except (OSError, ValueError):       # missing, unreadable or malformed: never a pass
            return Report(item.name, [Outcome("results readable", False,
                                              "the results of your functions could not be read")], unreadable=True)
        try:
            # the batch's cases are shared by every judging thread, read-only: the checks copy what
            # they perturb (a numerical gradient changes its input while it differentiates). One
            # that writes into a case anyway fails on the read-only array and is judged again on
            # copies of its own — the verdict it always had (copying every case for every
            # verdict cost 24 MB per activations submission)
            memo = self._memo.setdefault(item.name, {})
            report = verify(item, [dict(case) for case in cases], cap, memo)
            if report.wrote_read_only:
                report = verify(item, [{k: np.array(v, copy=True) for k, v in case.items()} for case in cases],
                                cap, memo)
            return report
        except Exception as exc:            # a bug of the checks, reported, never a pass
            return Report(item.name, [Outcome("checked", False, "internal grader error "
                                              f"({type(exc).__name__}); please tell your instructor")])

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
                    res = Result(sub.student, status=Status.CRASHED, isolation=self.sandbox.isolation,
                                 reason=f"internal grader error: {type(exc).__name__}: {exc}")
                    for nb_name in sub.files:
                        res.fail_all(nb_name, self.grade_ids(nb_name), "not graded: internal grader error")
                        res.stage[nb_name] = None
                results.append(res)
                if on_result:
                    on_result(res)
                if progress:
                    progress.update(res)
        left = self.cleanup()
        if left:                                 # reported (the hidden inputs were removed first)
            log.warning("%d job folder(s) could not be removed: %s", len(left), ", ".join(left[:3]))
        return sorted(results, key=lambda r: r.student)


def _spec_names(spec):
    """Identifiers of the assignment's checks (function and method names a probe may call):
    the only names a hidden verdict may repeat from an error the sandbox recorded."""
    try:
        source = inspect.getsource(spec)
    except (OSError, TypeError):
        return frozenset()
    return frozenset(re.findall(r"[A-Za-z_][A-Za-z0-9_]{0,60}", source))
