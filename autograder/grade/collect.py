"""Finding the submissions of one assignment, whatever shape they arrive in.

Accepted layouts (``find_submissions(path, assignment, notebooks)``):

* nbgrader's ``submitted/<student>/<assignment>/<notebook>.ipynb`` (``path`` is the ``submitted``
  folder, or a course directory that contains one);
* a flat folder of notebooks named by student, as LMSs export them: the student id is the part of
  the file name before the first ``_`` (``alice_activations.ipynb``, ``alice.ipynb``;
  ``--name-pattern`` takes a regex with a ``student`` group for other schemes);
* a ``.zip`` of either (extracted with size and path checks).

Returns ``{student: Submission}``; a file ``None`` means missing, and a single notebook under a
different name (``activations (1).ipynb``) is matched and reported as renamed.

Nothing is dropped or replaced silently: a student id that is not plain ASCII (or longer than
128 characters, or holding control characters) is graded under a safe id and gets the status
"bad id"; two notebooks for one student (in a flat folder, or twice the same entry in a zip)
and a zip inside the submissions are listed as "ambiguous" (not graded: a human picks). Those
statuses make the grader's exit code say "needs a look". ``Submission.problem`` holds
``(status, reason)``; ``Submission.skip`` says nothing of it is graded.
"""
import hashlib
import re
import unicodedata
from pathlib import Path

from autograder.grade.model import Status, Submission
from autograder.grade.text import shown

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")
DUPLICATE = re.compile(r"\.duplicate-\d+$")


def safe_id(raw):
    """``raw`` if it is a usable student id, else an ASCII id derived from it (with a short hash
    of the original, so two different raw ids never share one)."""
    if STUDENT_ID.match(raw):
        return raw
    base = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._@+-]", "_", base).lstrip("._@+-")[:100] or "student"
    digest = hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"{base}-{digest}"


def safe_extract(zip_path: Path, dest: Path) -> Path:
    """Extract a zip safely (:mod:`autograder.grade.safezip`: no absolute paths, '..', links,
    over-size entries or lying sizes; :class:`~autograder.grade.safezip.UnsafeZip` names the
    entry). An entry that appears twice is extracted under a second name
    (``x.duplicate-2.ipynb``), never over the first, so :func:`find_submissions` reports it."""
    from autograder.grade.safezip import extract
    return extract(zip_path, dest)


def _nbgrader_root(path: Path, assignment):
    """The folder whose children are student folders with an <assignment> subfolder, if any."""
    for candidate in (path / "submitted", path):
        if candidate.is_dir() and any((d / assignment).is_dir() for d in candidate.iterdir() if d.is_dir()):
            return candidate
    return None


def _match(found: list[Path], expected: list[str], sub: Submission):
    names: dict[str, Path] = {}
    for p in found:
        if p.suffix != ".ipynb" or p.name.startswith("."):
            continue
        if DUPLICATE.search(p.stem):
            sub.flag(Status.AMBIGUOUS, f"the zip holds '{shown(DUPLICATE.sub('', p.stem))}.ipynb' more than "
                                  f"once; none graded", skip=True)
            continue
        if p.name in names:
            sub.flag(Status.AMBIGUOUS, f"two notebooks named '{shown(p.name)}'; none graded", skip=True)
            continue
        names[p.name] = p
    for nb in expected:
        if nb in names:
            sub.files[nb] = names.pop(nb)
    missing = [nb for nb in expected if nb not in sub.files]
    if len(missing) == 1 and len(names) == 1:       # one notebook, another name: a rename
        (other, path), = names.items()
        sub.files[missing[0]] = path
        sub.notes.append(f"notebook '{shown(other)}' graded as '{missing[0]}'")
        missing = []
    for nb in missing:
        sub.files[nb] = None


def _submission(subs, raw):
    """The Submission of raw id ``raw`` (created under a safe id, flagged when it had to change)."""
    student = safe_id(raw)
    sub = subs.get(student)
    if sub is None:
        sub = subs[student] = Submission(student)
        if student != raw:
            sub.flag(Status.BAD_ID, f"student id '{shown(raw)}' is not a plain ASCII id of at most 128 "
                               f"characters; graded as '{student}'")
    return sub


def find_submissions(path, assignment, notebooks, name_pattern=None):
    path = Path(path)
    root = _nbgrader_root(path, assignment)
    subs: dict[str, Submission] = {}
    if root is not None:
        for d in sorted(p for p in root.iterdir() if p.is_dir()):
            sub = _submission(subs, d.name)
            adir = d / assignment
            if d.is_symlink() or adir.is_symlink():       # never read through a link
                for nb in notebooks:
                    sub.files.setdefault(nb, None)
                sub.flag("unparseable", "the submission folder is a symbolic link; not read", skip=True)
                continue
            found = sorted(adir.glob("*.ipynb")) if adir.is_dir() else []
            _match(found, notebooks, sub)
            for z in sorted(adir.glob("*.zip")) if adir.is_dir() else []:
                sub.flag(Status.AMBIGUOUS, f"a zip inside the submission ('{shown(z.name)}') was not opened")
            ts = adir / "timestamp.txt"
            if ts.is_file() and not ts.is_symlink():
                from autograder.safeio import Unsafe, read_regular
                try:
                    sub.timestamp = read_regular(ts, 200).decode("utf-8", "replace").strip()
                except Unsafe:
                    pass
        return subs
    pattern = re.compile(name_pattern or r"^(?P<student>[^_]+?)(?:_.*)?$")

    def student_of(f):
        stem = DUPLICATE.sub("", f.stem)
        m = pattern.match(stem)
        return m.group("student") if m else stem

    grouped: dict[str, list[Path]] = {}
    zips: dict[str, list[Path]] = {}
    for f in sorted(path.rglob("*")):
        if ".ipynb_checkpoints" in f.parts or not f.is_file():
            continue
        if f.suffix == ".ipynb":
            grouped.setdefault(student_of(f), []).append(f)
        elif f.suffix.lower() == ".zip":
            zips.setdefault(student_of(f), []).append(f)
    for raw, files in grouped.items():
        sub = _submission(subs, raw)
        if len(notebooks) == 1:
            dups = [f for f in files if DUPLICATE.search(f.stem)]
            if dups:
                sub.flag(Status.AMBIGUOUS, f"the zip holds '{shown(DUPLICATE.sub('', dups[0].stem))}.ipynb' "
                                      f"more than once; none graded", skip=True)
            elif len(files) > 1:
                sub.flag(Status.AMBIGUOUS, f"{len(files)} notebooks for this student "
                                      f"({', '.join(shown(f.name, 40) for f in files[:4])}); none graded",
                         skip=True)
            sub.files[notebooks[0]] = files[0]
        else:
            _match(files, notebooks, sub)
    for raw, found in zips.items():
        sub = _submission(subs, raw)
        for nb in notebooks:
            sub.files.setdefault(nb, None)
        sub.flag(Status.AMBIGUOUS, f"a zip inside the submissions ('{shown(found[0].name)}') was not opened")
    return subs


def valid_student_id(student):
    return bool(STUDENT_ID.match(student))
