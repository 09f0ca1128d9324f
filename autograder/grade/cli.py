"""``python -m autograder.grade ASSIGNMENT SUBMISSIONS`` — grade a whole class safely, in parallel.

SUBMISSIONS is nbgrader's ``submitted/`` folder (or the course folder holding it), a flat folder
of notebooks named by student, or a .zip of either. Results go to the course's nbgrader gradebook
(or ``--db``), and to ``--out`` (default ``<course>/grading/<assignment>/``): ``grades.csv``,
``feedback/<student>.html``, ``summary.html``, ``results.json`` (the class's last results) and
``log.txt`` (one section appended per run).

Exit status: 0 when every submission was graded normally; 1 when something needs a human
(missing, unparseable, tampered, timed out, crashed, out of memory, or a gradebook problem);
2 when the grader itself could not run (bad arguments, no such assignment).
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

# One BLAS thread in the grader's own process. Worker threads fork sandboxes (subprocess) while
# other threads draw cases and verify with NumPy; a multi-threaded OpenBLAS shuts its thread pool
# down in a fork handler, and a fork while another thread is inside a BLAS call deadlocked whole
# runs (a thread stuck drawing a large case, another stuck starting its sandbox). The workers
# already use the cores. Set before NumPy is first imported; `_single_blas_thread` covers a
# NumPy that was imported earlier (the grader called in-process).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import nbformat


class Progress:
    """A one-line progress bar with count, rate and ETA on stderr (plain lines when not a tty)."""

    def __init__(self, total, enabled=True, stream=None):
        self.total, self.done, self.start = total, 0, time.monotonic()
        self.enabled, self.stream = enabled, stream or sys.stderr     # the stderr of now, not of import
        self.tty = self.stream.isatty()
        self.last = 0.0

    def update(self, res):
        self.done += 1
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 24
        filled = int(width * self.done / max(1, self.total))
        line = (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                f"{rate:.2f}/s ETA {eta:4.0f}s  {_clean(res.student)}: {res.status}")
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
            if self.done == self.total:
                self.stream.write("\n")
        elif self.done == self.total or time.monotonic() - self.last > 2 or res.status != "graded":
            self.stream.write(line + "\n")
            self.last = time.monotonic()
        self.stream.flush()


def _clean(text):
    from autograder.grade.outputs import clean
    return clean(text)


def find_course(start: Path):
    for d in (start, *start.parents):
        if (d / "nbgrader_config.py").exists() and (d / "solutions").is_dir():
            return d
    return None


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m autograder.grade", description=__doc__.split("\n\n")[0])
    p.add_argument("assignment", help="assignment id, e.g. activations")
    p.add_argument("submissions", help="submitted/ folder, flat folder of notebooks, or .zip")
    p.add_argument("--course", type=Path, help="course directory (default: the repository)")
    p.add_argument("--db", help="gradebook SQLAlchemy URL (default: <course>/gradebook.db)")
    p.add_argument("--out", type=Path, help="where CSV, feedback and summary go")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--sandbox", choices=["auto", "bwrap", "rlimits"], default="auto")
    p.add_argument("--seed", type=int, help="seed of the hidden inputs (default: fresh, recorded in log)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per submission (wall clock)")
    p.add_argument("--cell-timeout", type=int, default=30, help="seconds per notebook cell")
    p.add_argument("--memory", type=int, default=2048, help="MiB of address space per submission")
    p.add_argument("--name-pattern", help="regex with a 'student' group for flat folders")
    p.add_argument("--no-progress", action="store_true")
    return p.parse_args(argv)


def _single_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:            # then only the environment variables above apply
        return
    threadpool_limits(limits=1)


def profile(results):
    """CPU seconds per grading phase, summed over the submissions that report them
    (``batch.PHASES``), with how many did."""
    from autograder.grade.batch import PHASES
    totals = {phase: 0.0 for phase in PHASES}
    for r in results:
        for phase, seconds in r.profile.items():
            totals[phase] = totals.get(phase, 0.0) + seconds
    return {"cpu_seconds": {k: round(v, 3) for k, v in totals.items()},
            "submissions": len(results),
            "sandbox_profiled": sum("imports" in r.profile for r in results)}


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    _single_blas_thread()
    from autograder.grade import bridge, outputs
    from autograder.grade.batch import Batch, make_lib
    from autograder.grade.collect import find_submissions, safe_extract, valid_student_id
    from autograder.grade.outputs import clean
    from autograder.grade.sandbox import Limits, Sandbox, detect
    import gc
    gc.freeze()          # the ~10^5 objects of the imports: never collected, so never scanned again

    def stop(message):                   # the grader cannot run: one line, nobody graded
        print(f"error: {clean(message)}", file=sys.stderr)
        return 2

    course = (args.course or find_course(Path.cwd()) or find_course(Path(__file__).resolve())).resolve()
    release = course / "exercises" / args.assignment
    notebooks = sorted(p.name for p in release.glob("*.ipynb")) if release.is_dir() else []
    if not notebooks:
        return stop(f"no released notebooks in {release} (run `make exercises`)")
    try:
        from autograder.checks import load_spec
        load_spec(args.assignment)
    except ImportError:
        return stop(f"no checks for assignment {args.assignment!r}")
    problem = bridge.use_own_tools()
    db_url = bridge.db_url_of(course, args.db)
    released_paths = {nb: release / nb for nb in notebooks}
    problem = problem or bridge.sync_assignment(db_url, args.assignment, released_paths)
    if problem:
        return stop(problem)
    src = Path(args.submissions)
    if not (src.is_dir() or (src.is_file() and src.suffix == ".zip")):
        return stop(f"{src} is neither a folder nor a .zip")
    out = (args.out or course / "grading" / args.assignment).resolve()
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    log = open(out / "log.txt", "a", encoding="utf-8")          # one section per run, newest last
    log.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S %Z')}: grading {clean(args.assignment)}"
              + (f" --student {' '.join(clean(s) for s in args.student)}" if args.student else "") + "\n")
    seed = args.seed if args.seed is not None else secrets.randbits(63)
    limits = Limits(wall=args.timeout, cell=args.cell_timeout, item=args.cell_timeout,
                    memory=args.memory << 20)

    work = Path(tempfile.mkdtemp(prefix="dnn-grade-"))
    os.chmod(work, 0o711)
    try:
        if src.is_file():
            from autograder.grade.safezip import UnsafeZip
            try:
                src = safe_extract(src, work / "unzipped")
            except UnsafeZip as exc:         # one line naming the entry, nobody graded
                return stop(str(exc))
        subs = find_submissions(src, args.assignment, notebooks, args.name_pattern)
        from autograder.grade.collect import MAX_NOTEBOOK_BYTES
        from autograder.grade.safety import flag_suspicious
        flag_suspicious(subs, course, args.assignment, MAX_NOTEBOOK_BYTES)   # copies: needs a look
        warnings = []
        for s in [s for s in subs if not valid_student_id(s)]:
            warnings.append(f"skipping submission with an unusable student id {clean(s)!r}")
            del subs[s]
        if args.student:
            subs = {k: v for k, v in subs.items() if k in set(args.student)}
            for s in sorted(set(args.student) - set(subs)):
                warnings.append(f"no submission for student {clean(s)!r}")
        for sub in subs.values():
            if sub.timestamp and not bridge.valid_timestamp(sub.timestamp):
                sub.notes.append(f"timestamp.txt is not a date ({clean(sub.timestamp[:40])!r}); ignored")
                sub.timestamp = None
        bridge.record_submissions(course, args.assignment, subs, clean)
        for w in warnings:
            print(f"warning: {w}", file=sys.stderr)
        lib = make_lib(work)
        from autograder.grade.state import check_state
        if check_state():                     # the uids' lock files: a private, root-owned place
            return stop(check_state())
        try:
            mode, why = detect(args.sandbox, lib, limits)
        except RuntimeError as exc:          # --sandbox bwrap where it cannot work: say why
            print(f"error: {clean(str(exc))}", file=sys.stderr)
            return 2
        print(f"sandbox: {clean(why)}", file=sys.stderr)
        # a weaker sandbox is asked for (--sandbox rlimits), never fallen into quietly
        degraded = "" if mode == "bwrap" or args.sandbox == "rlimits" else (
            "NEEDS A LOOK: bubblewrap could not run here, so every submission ran in the DEGRADED "
            "sandbox (rlimits only: it can read what its uid can read). Fix bubblewrap, or ask for "
            "this mode with --sandbox rlimits.")
        released = {nb: nbformat.read(release / nb, as_version=4) for nb in notebooks}
        batch = Batch(args.assignment, released, Sandbox(mode, lib, limits), seed, work, args.workers)
        staging = course / ".grader" / f"{args.assignment}-{os.getpid()}"
        started = time.monotonic()
        try:
            writer = bridge.Writer(course, args.assignment, staging, released_paths,
                                   {s: sub.timestamp for s, sub in subs.items()}, args.db)
            progress = Progress(len(subs), not args.no_progress)
            results = batch.run(list(subs.values()), progress, on_result=writer.submit)
            t_sandbox = time.monotonic() - started
            writer.close()
            for r in results:
                if r.student in writer.cpu:
                    r.profile["gradebook write"] = writer.cpu[r.student]
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            try:
                (course / ".grader").rmdir()
            except OSError:
                pass
        for entry in writer.logs:
            log.write(clean(entry, keep_newlines=True) + "\n")
        by_student = {r.student: r for r in results}
        problems = []                                # not tied to one student
        for s, error in writer.failures.items():
            res = by_student[s]
            if s in writer.fallbacks:
                for verdicts in res.verdicts.values():
                    for v in verdicts.values():
                        v.passed, v.text = False, "not graded: nbgrader could not record this submission."
                res.worsen("crashed", f"nbgrader could not record the grades ({error}); every cell recorded as 0")
            else:
                res.worsen("crashed", f"nbgrader could not record the grades, not even as 0 ({error})")
        scores = bridge.read_scores(db_url, args.assignment, [r.student for r in results])
        for p in bridge.integrity(db_url, args.assignment, results, scores):
            s, _, what = p.partition(": ")
            if s in by_student:
                by_student[s].worsen("crashed", f"gradebook: {what}")
            else:
                problems.append(p)
        for r in results:                            # "graded" with nothing recorded is impossible
            if outputs.totals(scores, r.student)[1] <= 0:
                r.worsen("crashed", "the gradebook holds no scores for this submission")
        graded_at = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        info = {r.student: {"timestamp": subs[r.student].timestamp or "", "graded_at": graded_at, "seed": seed}
                for r in results}
        everyone, info_all = results, info
        if args.student:                             # one student re-graded: keep the class
            old, old_info = outputs.load_results(out / "results.json")
            everyone, info_all = outputs.merge(old, old_info, results, info)
        all_scores = bridge.read_scores(db_url, args.assignment, [r.student for r in everyone]) \
            if args.student else scores
        outputs.save_results(out / "results.json", everyone, info_all)
        outputs.write_csv(out / "grades.csv", args.assignment, everyone, all_scores, info_all)
        for res in results:                          # one page failing never stops the others
            page = out / "feedback" / outputs.feedback_name(res.student)
            try:
                outputs.write_feedback(page, args.assignment, res, scores, info[res.student])
            except Exception as exc:
                page.write_text(f"<!doctype html><meta charset='utf-8'><p>Feedback could not be written "
                                f"({type(exc).__name__}); score: {outputs.totals(scores, res.student)[0]:g}</p>")
                problems.append(f"{clean(res.student)}: feedback page not written ({type(exc).__name__})")
        if degraded:
            problems.append(degraded)
        meta = {"assignment": args.assignment, "submissions": len(results),
                "sandbox": f"{degraded} ({why})" if degraded else why,
                "seed": seed, "workers": args.workers, "seconds_sandbox": round(t_sandbox, 2),
                "seconds_total": round(time.monotonic() - started, 2), "gradebook": db_url,
                "gradebook_problems": problems, "students": sorted(subs) if args.student else "all",
                "profile": profile(results)}
        outputs.write_summary(out / "summary.html", args.assignment, everyone, all_scores, meta, info_all)
        log.write(clean(json.dumps(meta, indent=2), keep_newlines=True) + "\n")
        (out / "last_run.json").write_text(json.dumps(meta, indent=2))
        needs_look = [r for r in results if r.status != "graded"]
        for res in results:
            score, maximum = outputs.totals(scores, res.student)
            tag = "ok" if res.status == "graded" else "NEEDS A LOOK"
            log.write(f"{tag}\t{clean(res.student)}\t{res.status}\t{score:g}/{maximum:g}\t{clean(res.reason)}\n")
        for w in warnings:
            log.write(f"warning\t{w}\n")
        look = len(needs_look) + len(problems)
        print(f"graded {len(results)} submissions in {meta['seconds_total']:.1f} s "
              f"({look} need{'s' if look == 1 else ''} a look); results in {out}", file=sys.stderr)
        for r in needs_look:
            print(f"  {clean(r.student)}: {r.status} — {clean(r.reason)}", file=sys.stderr)
        for p in problems:
            print(f"  {clean(p)}" if p == degraded else f"  gradebook: {clean(p)}", file=sys.stderr)
        return 1 if look else 0
    finally:
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
