"""``python -m autograder.grade ASSIGNMENT SUBMISSIONS`` — grade a whole class safely, in parallel.

SUBMISSIONS is nbgrader's ``submitted/`` folder (or the course folder holding it), a flat folder
of notebooks named by student, or a .zip of either. Results go to the course's nbgrader gradebook
(or ``--db``), and to ``--out`` (default ``<course>/grading/<assignment>/``): ``grades.csv``,
``feedback/<student>.html``, ``summary.html`` and ``log.txt``.

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

import nbformat


class Progress:
    """A one-line progress bar with count, rate and ETA on stderr (plain lines when not a tty)."""

    def __init__(self, total, enabled=True, stream=sys.stderr):
        self.total, self.done, self.start = total, 0, time.monotonic()
        self.enabled, self.stream = enabled, stream
        self.tty = stream.isatty()
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
                f"{rate:.2f}/s ETA {eta:4.0f}s  {res.student}: {res.status}")
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
            if self.done == self.total:
                self.stream.write("\n")
        elif self.done == self.total or time.monotonic() - self.last > 2 or res.status != "graded":
            self.stream.write(line + "\n")
            self.last = time.monotonic()
        self.stream.flush()


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


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from autograder.grade import bridge, outputs
    from autograder.grade.batch import Batch, make_lib
    from autograder.grade.collect import find_submissions, safe_extract, valid_student_id
    from autograder.grade.sandbox import Limits, Sandbox, detect

    course = (args.course or find_course(Path.cwd()) or find_course(Path(__file__).resolve())).resolve()
    release = course / "exercises" / args.assignment
    notebooks = sorted(p.name for p in release.glob("*.ipynb")) if release.is_dir() else []
    if not notebooks:
        print(f"error: no released notebooks in {release} (run `make exercises`)", file=sys.stderr)
        return 2
    try:
        from autograder.checks import load_spec
        load_spec(args.assignment)
    except ImportError:
        print(f"error: no checks for assignment {args.assignment!r}", file=sys.stderr)
        return 2
    out = (args.out or course / "grading" / args.assignment).resolve()
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    log = open(out / "log.txt", "w")
    seed = args.seed if args.seed is not None else secrets.randbits(63)
    limits = Limits(wall=args.timeout, cell=args.cell_timeout, item=args.cell_timeout,
                    memory=args.memory << 20)

    work = Path(tempfile.mkdtemp(prefix="dnn-grade-"))
    os.chmod(work, 0o711)
    try:
        src = Path(args.submissions)
        if src.is_file() and src.suffix == ".zip":
            src = safe_extract(src, work / "unzipped")
        elif not src.is_dir():
            print(f"error: {src} is neither a folder nor a .zip", file=sys.stderr)
            return 2
        subs = find_submissions(src, args.assignment, notebooks, args.name_pattern)
        bad_ids = [s for s in subs if not valid_student_id(s)]
        for s in bad_ids:
            print(f"warning: skipping submission with an unusable student id {s!r}", file=sys.stderr)
            del subs[s]
        if args.student:
            subs = {k: v for k, v in subs.items() if k in set(args.student)}
            for s in set(args.student) - set(subs):
                print(f"warning: no submission for student {s!r}", file=sys.stderr)
        lib = make_lib(work)
        try:
            mode, why = detect(args.sandbox, lib, limits)
        except RuntimeError as exc:          # --sandbox bwrap where it cannot work: say why
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"sandbox: {why}", file=sys.stderr)
        released = {nb: nbformat.read(release / nb, as_version=4) for nb in notebooks}
        batch = Batch(args.assignment, released, Sandbox(mode, lib, limits), seed, work, args.workers)
        staging = course / ".grader" / f"{args.assignment}-{os.getpid()}"
        started = time.monotonic()
        try:
            writer = bridge.Writer(course, args.assignment, staging, {nb: release / nb for nb in notebooks},
                                   {s: sub.timestamp for s, sub in subs.items()}, args.db)
            progress = Progress(len(subs), not args.no_progress)
            results = batch.run(list(subs.values()), progress, on_result=writer.submit)
            t_sandbox = time.monotonic() - started
            writer.close()
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            try:
                (course / ".grader").rmdir()
            except OSError:
                pass
        log.write("\n".join(writer.logs) + "\n")
        db_url = bridge.db_url_of(course, args.db)
        problems = [f"{s}: nbgrader autograde failed: {e.strip().splitlines()[-1] if e.strip() else e}"
                    for s, e in writer.failures.items()]
        problems += bridge.integrity(db_url, args.assignment, results)
        scores = bridge.read_scores(db_url, args.assignment, [r.student for r in results])
        outputs.write_csv(out / "grades.csv", args.assignment, results, scores)
        for res in results:
            outputs.write_feedback(out / "feedback" / f"{res.student}.html", args.assignment, res, scores)
        meta = {"assignment": args.assignment, "submissions": len(results), "sandbox": why,
                "seed": seed, "workers": args.workers, "seconds_sandbox": round(t_sandbox, 2),
                "seconds_total": round(time.monotonic() - started, 2), "gradebook": db_url,
                "gradebook_problems": problems}
        outputs.write_summary(out / "summary.html", args.assignment, results, scores, meta)
        log.write(json.dumps(meta, indent=2) + "\n")
        for res in results:
            log.write(f"{res.student}\t{res.status}\t{res.reason}\n")
        needs_human = [r for r in results if r.status != "graded"]
        print(f"graded {len(results)} submissions in {meta['seconds_total']:.1f} s "
              f"({len(needs_human)} need a look); results in {out}", file=sys.stderr)
        for r in needs_human:
            print(f"  {r.student}: {r.status} — {r.reason}", file=sys.stderr)
        for p in problems:
            print(f"  gradebook: {p}", file=sys.stderr)
        return 1 if needs_human or problems else 0
    finally:
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
