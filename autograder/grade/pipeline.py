"""One grader run in four stages: :func:`prepare`, :func:`collect`, :func:`grade`, :func:`report`.

    grade_class(GradeOptions(...)) -> exit status (0 all graded, 1 needs a look, 2 cannot run)

* **prepare** — the course, the released notebooks (read ONCE, a :class:`~model.Release` handed
  to every later stage), the spec, nbgrader's tools, the gradebook :class:`~gradebook.Writer`
  (started first: it makes sure the gradebook knows the assignment while this process opens
  the sandbox and the :class:`~batch.Batch` draws the hidden inputs); anything wrong here stops
  the run before any submission is touched (:class:`Stop`, exit 2).
* **collect** — unzip, find the submissions, drop unusable ids, check timestamps, keep a copy in
  the course's ``submitted/``.
* **grade** — the batch and the gradebook writer running side by side; what nbgrader could not
  record is folded into the results; the gradebook's scores, read ONCE when the writer is done.
* **report** — the gradebook's integrity, ``results.json`` (merged with the class's earlier
  results for ``--student``), the CSV, the feedback pages, the summary, the log and the
  terminal lines.

Terminal lines go to the ``autograder.grade`` logger (stderr), the run's record to
``autograder.grade.run`` (``log.txt``, one section appended per run).
"""
from __future__ import annotations

import gc
import json
import logging
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.checks import load_spec
from autograder.grade import gradebook, reports
from autograder.grade.batch import Batch, make_lib
from autograder.grade.collect import find_submissions, safe_extract, valid_student_id
from autograder.grade.model import MAX_NOTEBOOK_BYTES, PHASES, GradeOptions, Release, Result, Status, Submission
from autograder.grade.progress import Progress
from autograder.grade.safety import flag_suspicious
from autograder.grade.safezip import UnsafeZip
from autograder.grade.sandbox import Sandbox, detect
from autograder.grade.state import check_state
from autograder.grade.text import clean

log = logging.getLogger("autograder.grade")          # the terminal
record = logging.getLogger("autograder.grade.run")   # log.txt


class Stop(Exception):
    """The grader cannot run: one line for the terminal, exit status 2, nobody graded."""


@dataclass
class Course:
    """What :func:`prepare` found, handed to the later stages."""
    root: Path
    release: Release
    db_url: str
    out: Path
    seed: int
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="dnn-grade-")))
    writer: gradebook.Writer | None = None
    sandbox: Sandbox | None = None
    sandbox_is: str = ""          # what the sandbox is (the ``sandbox:`` line)
    degraded: str = ""            # '' or the line that makes the run need a look
    batch: Batch | None = None

    @property
    def assignment(self):
        return self.release.assignment

    @property
    def staging(self):
        """Where the writer stages what nbgrader reads (removed when the run ends)."""
        return self.root / ".grader" / f"{self.assignment}-{os.getpid()}"

    def close(self):
        """End the writer if it still runs; remove the run's folders."""
        if self.writer is not None:
            self.writer.abort()
        shutil.rmtree(self.work, ignore_errors=True)
        shutil.rmtree(self.staging, ignore_errors=True)
        try:
            (self.root / ".grader").rmdir()
        except OSError:
            pass


def find_course(start: Path):
    for d in (start, *start.parents):
        if (d / "nbgrader_config.py").exists() and (d / "solutions").is_dir():
            return d
    return None


# ---------------------------------------------------------------------------- 1. prepare
def prepare(opts: GradeOptions) -> Course:
    root = (opts.course or find_course(Path.cwd()) or find_course(Path(__file__).resolve())).resolve()
    folder = root / "exercises" / opts.assignment
    names = sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []
    if not names:
        raise Stop(f"no released notebooks in {folder} (run `make exercises`)")
    try:
        load_spec(opts.assignment)
    except ImportError:
        raise Stop(f"no checks for assignment {opts.assignment!r}") from None
    release = Release(opts.assignment, folder, {nb: nbformat.read(folder / nb, as_version=4) for nb in names})
    problem = gradebook.use_own_tools()
    if problem:
        raise Stop(problem)
    src = Path(opts.submissions)
    if not (src.is_dir() or (src.is_file() and src.suffix == ".zip")):
        raise Stop(f"{src} is neither a folder nor a .zip")
    out = (opts.out or root / "grading" / opts.assignment).resolve()
    seed = opts.seed if opts.seed is not None else secrets.randbits(63)
    course = Course(root, release, gradebook.db_url_of(root, opts.db), out, seed)
    try:
        os.chmod(course.work, 0o711)
        course.writer = gradebook.Writer(root, release, course.staging, course.db_url)
        course.sandbox, course.sandbox_is, course.degraded = open_sandbox(course, opts)
        course.batch = Batch(course.assignment, release.notebooks, course.sandbox, seed, course.work, opts.workers)
        problem = course.writer.ready()
        if problem:
            raise Stop(problem)
        (out / "feedback").mkdir(parents=True, exist_ok=True)
    except BaseException:
        course.close()
        raise
    return course


def open_sandbox(course: Course, opts: GradeOptions) -> tuple[Sandbox, str, str]:
    """The sandbox, what it is, and '' — or, when bubblewrap could not run and the weaker mode
    was not asked for, the line that makes the run need a look (never fallen into quietly)."""
    limits = opts.limits()
    lib = make_lib(course.work)
    problem = check_state()                  # the uids' lock files: a private, root-owned place
    if problem:
        raise Stop(problem)
    try:
        mode, why = detect(opts.sandbox, lib, limits)
    except RuntimeError as exc:          # --sandbox bwrap where it cannot work: say why
        raise Stop(str(exc)) from None
    degraded = "" if mode == "bwrap" or opts.sandbox == "rlimits" else (
        "NEEDS A LOOK: bubblewrap could not run here, so every submission ran in the DEGRADED "
        "sandbox (rlimits only: it can read what its uid can read). Fix bubblewrap, or ask for "
        "this mode with --sandbox rlimits.")
    return Sandbox(mode, lib, limits), why, degraded


# ---------------------------------------------------------------------------- 2. collect
def collect(course: Course, opts: GradeOptions) -> tuple[dict[str, Submission], list[str]]:
    """The submissions to grade (student -> Submission) and warnings not tied to one of them."""
    src = Path(opts.submissions)
    if src.is_file():
        try:
            src = safe_extract(src, course.work / "unzipped")
        except UnsafeZip as exc:             # one line naming the entry, nobody graded
            raise Stop(str(exc)) from None
    subs = find_submissions(src, course.assignment, course.release.names, opts.name_pattern)
    flag_suspicious(subs, course.root, course.assignment, MAX_NOTEBOOK_BYTES)   # copies: need a look
    warnings = []
    for s in [s for s in subs if not valid_student_id(s)]:
        warnings.append(f"skipping submission with an unusable student id {clean(s)!r}")
        del subs[s]
    if opts.students:
        subs = {k: v for k, v in subs.items() if k in set(opts.students)}
        for s in sorted(set(opts.students) - set(subs)):
            warnings.append(f"no submission for student {clean(s)!r}")
    for sub in subs.values():
        if sub.timestamp and not gradebook.valid_timestamp(sub.timestamp):
            sub.notes.append(f"timestamp.txt is not a date ({clean(sub.timestamp[:40])!r}); ignored")
            sub.timestamp = None
    gradebook.record_submissions(course.root, course.assignment, subs)
    for w in warnings:
        log.warning("%s", w)
    return subs, warnings


# ---------------------------------------------------------------------------- 3. grade
def grade(course: Course, opts: GradeOptions, subs: dict, meta: dict) -> tuple[list[Result], dict | None]:
    """Every submission judged and handed to the gradebook writer as it finishes; what nbgrader
    could not record is a status of that student's. Returns the results and the gradebook's
    scores (None: the writer could not read them). ``meta["seconds_sandbox"]``: how long the
    sandboxes took."""
    writer, batch = course.writer, course.batch
    results = batch.run(list(subs.values()), Progress(len(subs), opts.progress),
                        on_result=lambda res: writer.submit(res, subs[res.student].timestamp))
    meta["_setup_cpu"] = {"prepare inputs": batch.setup_cpu}
    meta["seconds_sandbox"] = round(time.monotonic() - meta["_started"], 2)
    scores = writer.close()
    for entry in writer.logs:
        record.info("%s", clean(entry, keep_newlines=True))
    by_student = {r.student: r for r in results}
    for r in results:
        if r.student in writer.cpu:
            r.profile["gradebook write"] = writer.cpu[r.student]
    for s, error in writer.failures.items():
        res = by_student[s]
        if s in writer.fallbacks:
            for verdicts in res.verdicts.values():
                for v in verdicts.values():
                    v.passed, v.text = False, "not graded: nbgrader could not record this submission."
            res.worsen(Status.CRASHED, f"nbgrader could not record the grades ({error}); every cell recorded as 0")
        else:
            res.worsen(Status.CRASHED, f"nbgrader could not record the grades, not even as 0 ({error})")
    return results, scores


# ---------------------------------------------------------------------------- 4. report
def check_gradebook(course: Course, results, scores) -> list[str]:
    """Fold what the gradebook holds into the results; the problems tied to no student."""
    by_student, problems = {r.student: r for r in results}, []
    for p in gradebook.integrity(course.db_url, course.assignment, results, scores):
        s, _, what = p.partition(": ")
        if s in by_student:
            by_student[s].worsen(Status.CRASHED, f"gradebook: {what}")
        else:
            problems.append(p)
    for r in results:                            # "graded" with nothing recorded is impossible
        if reports.totals(scores, r.student)[1] <= 0:
            r.worsen(Status.CRASHED, "the gradebook holds no scores for this submission")
    return problems


def profile(results, once=None):
    """CPU seconds per grading phase, summed over the submissions that report them
    (``model.PHASES``) plus the batch's one-time work (``once``: phase -> seconds), with how many
    submissions did."""
    totals = {phase: 0.0 for phase in PHASES}
    for phase, seconds in (once or {}).items():
        totals[phase] += seconds
    for r in results:
        for phase, seconds in r.profile.items():
            totals[phase] = totals.get(phase, 0.0) + seconds
    return {"cpu_seconds": {k: round(v, 3) for k, v in totals.items()},
            "submissions": len(results),
            "sandbox_profiled": sum("imports" in r.profile for r in results)}


def write_pages(course: Course, results, scores, info) -> list[str]:
    """One feedback page per student (one failing never stops the others); the problems."""
    problems = []
    for res in results:
        page = course.out / "feedback" / reports.feedback_name(res.student)
        try:
            reports.write_feedback(page, course.assignment, res, scores, info[res.student])
        except Exception as exc:
            page.write_text(f"<!doctype html><meta charset='utf-8'><p>Feedback could not be written "
                            f"({type(exc).__name__}); score: {reports.totals(scores, res.student)[0]:g}</p>")
            problems.append(f"{clean(res.student)}: feedback page not written ({type(exc).__name__})")
    return problems


def report(course: Course, opts: GradeOptions, subs, results, class_scores, meta, warnings) -> int:
    """Every output written from the gradebook's scores (``class_scores``: student -> grade id ->
    (score, max score), as :func:`gradebook.read_scores` returns them); the exit status."""
    everyone = [r.student for r in results]
    if opts.students:                            # one student re-graded: keep the class
        old, old_info = reports.load_results(course.out / "results.json")
        everyone = sorted({r.student for r in old} | set(everyone))
    if class_scores is None:                     # the writer could not read them: read here
        class_scores = gradebook.read_scores(course.db_url, course.assignment, everyone)
    all_scores = {s: class_scores[s] for s in everyone if s in class_scores}
    scores = {r.student: all_scores.get(r.student) for r in results if r.student in all_scores}
    problems = check_gradebook(course, results, scores)
    degraded = meta.pop("_degraded", "")
    graded_at = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    info = {r.student: {"timestamp": subs[r.student].timestamp or "", "graded_at": graded_at,
                        "seed": course.seed} for r in results}
    class_results, class_info = results, info
    if opts.students:
        class_results, class_info = reports.merge(old, old_info, results, info)
    reports.save_results(course.out / "results.json", class_results, class_info)
    reports.write_csv(course.out / "grades.csv", course.assignment, class_results, all_scores, class_info)
    problems += write_pages(course, results, scores, info)
    if degraded:
        problems.append(degraded)
    meta.update({"seconds_total": round(time.monotonic() - meta.pop("_started"), 2),
                 "gradebook": course.db_url, "gradebook_problems": problems,
                 "students": sorted(subs) if opts.students else "all", "profile": profile(results, meta.pop("_setup_cpu", None))})
    reports.write_summary(course.out / "summary.html", course.assignment, class_results, all_scores, meta,
                          class_info)
    (course.out / "last_run.json").write_text(json.dumps(meta, indent=2))
    return tell(course, results, scores, problems, warnings, meta)


def tell(course: Course, results, scores, problems, warnings, meta) -> int:
    """The run's record in ``log.txt`` and its summary on the terminal; the exit status."""
    record.info("%s", clean(json.dumps(meta, indent=2), keep_newlines=True))
    for res in results:
        score, maximum = reports.totals(scores, res.student)
        tag = "NEEDS A LOOK" if res.needs_look else "ok"
        record.info("%s\t%s\t%s\t%s/%s\t%s", tag, clean(res.student), res.status, f"{score:g}",
                    f"{maximum:g}", clean(res.reason))
    for w in warnings:
        record.info("warning\t%s", w)
    needs_look = [r for r in results if r.needs_look]
    look = len(needs_look) + len(problems)
    log.info("graded %d submissions in %.1f s (%d need%s a look); results in %s", len(results),
             meta["seconds_total"], look, "s" if look == 1 else "", course.out)
    for r in needs_look:
        log.info("  %s: %s — %s", clean(r.student), r.status, clean(r.reason))
    for p in problems:
        log.info("  %s" if p.startswith("NEEDS A LOOK") else "  gradebook: %s", clean(p))
    return 1 if look else 0


# ---------------------------------------------------------------------------- the run
def grade_class(opts: GradeOptions) -> int:
    """Grade one assignment for a class (or ``opts.students``); the exit status."""
    gc.freeze()          # the ~10^5 objects of the imports: never collected, so never scanned again
    with _terminal():
        try:
            course = prepare(opts)
        except Stop as exc:
            log.error("%s", clean(str(exc)))
            return 2
        try:
            with _run_record(course, opts):
                try:
                    subs, warnings = collect(course, opts)
                    log.info("sandbox: %s", clean(course.sandbox_is))
                    meta = {"assignment": course.assignment, "submissions": len(subs),
                            "sandbox": f"{course.degraded} ({course.sandbox_is})" if course.degraded else course.sandbox_is,
                            "_degraded": course.degraded, "seed": course.seed, "workers": opts.workers,
                            "seconds_sandbox": 0.0, "_started": time.monotonic()}
                    results, scores = grade(course, opts, subs, meta)
                    return report(course, opts, subs, results, scores, meta, warnings)
                except Stop as exc:
                    log.error("%s", clean(str(exc)))
                    return 2
        finally:
            course.close()


class _Terminal(logging.Formatter):
    """``error: …`` / ``warning: …`` prefixes, plain lines otherwise (what the terminal showed
    before the grader used logging); the text is cleaned once more."""

    def format(self, record):
        prefix = {logging.ERROR: "error: ", logging.WARNING: "warning: "}.get(record.levelno, "")
        return prefix + clean(record.getMessage(), keep_newlines=True)


class _handlers:
    """Attach ``handler`` to ``logger`` for a ``with`` block (not propagated: the grader's
    lines are its own output, not a library's log)."""

    def __init__(self, logger, handler):
        self.logger, self.handler = logger, handler

    def __enter__(self):
        self.saved = self.logger.propagate, self.logger.level
        self.logger.addHandler(self.handler)
        self.logger.propagate = False
        self.logger.setLevel(logging.INFO)

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)
        self.handler.close()
        self.logger.propagate, self.logger.level = self.saved


def _terminal():
    handler = logging.StreamHandler()                 # the current sys.stderr
    handler.setFormatter(_Terminal())
    return _handlers(log, handler)


def _run_record(course: Course, opts: GradeOptions):
    """``log.txt``: one section per run, newest last, opened with its header line."""
    handler = logging.FileHandler(course.out / "log.txt", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.stream.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S %Z')}: grading {clean(opts.assignment)}"
                         + (f" --student {' '.join(clean(s) for s in opts.students)}" if opts.students else "")
                         + "\n")
    return _handlers(record, handler)
