"""Finding the submissions of one assignment, whatever shape they arrive in.

Accepted layouts (``find_submissions(path, assignment, notebooks)``):

* nbgrader's ``submitted/<student>/<assignment>/<notebook>.ipynb`` (``path`` is the ``submitted``
  folder, or a course directory that contains one);
* a flat folder of notebooks named by student, as LMSs export them: the student id is the part of
  the file name before the first ``_`` (``alice_activations.ipynb``, ``alice.ipynb``;
  ``--name-pattern`` takes a regex with a ``student`` group for other schemes);
* a ``.zip`` of either (extracted with size and path checks).

Returns ``{student: {notebook_name: Path | None}}``; ``None`` means missing, and a single notebook
under a different name (``activations (1).ipynb``) is matched and reported as renamed.
"""
import re
import zipfile
from pathlib import Path

MAX_ZIP_BYTES = 512 << 20
MAX_NOTEBOOK_BYTES = 32 << 20
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")


class Submission:
    def __init__(self, student):
        self.student = student
        self.files: dict[str, Path | None] = {}
        self.notes: list[str] = []          # e.g. "renamed 'x (1).ipynb' -> 'x.ipynb'"
        self.timestamp: str | None = None


def safe_extract(zip_path: Path, dest: Path) -> Path:
    """Extract a zip, refusing absolute paths, '..', links and more than MAX_ZIP_BYTES."""
    with zipfile.ZipFile(zip_path) as zf:
        total = 0
        for info in zf.infolist():
            name = info.filename
            if name.startswith(("/", "\\")) or ".." in Path(name).parts:
                raise ValueError(f"unsafe path in zip: {name!r}")
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise ValueError(f"symbolic link in zip: {name!r}")
            total += info.file_size
            if total > MAX_ZIP_BYTES:
                raise ValueError("zip expands to more than 512 MiB")
        zf.extractall(dest)
    return dest


def _nbgrader_root(path: Path, assignment):
    """The folder whose children are student folders with an <assignment> subfolder, if any."""
    for candidate in (path / "submitted", path):
        if candidate.is_dir() and any((d / assignment).is_dir() for d in candidate.iterdir() if d.is_dir()):
            return candidate
    return None


def _match(found: list[Path], expected: list[str], sub: Submission):
    names = {p.name: p for p in found if p.suffix == ".ipynb" and not p.name.startswith(".")}
    for nb in expected:
        if nb in names:
            sub.files[nb] = names.pop(nb)
    missing = [nb for nb in expected if nb not in sub.files]
    if len(missing) == 1 and len(names) == 1:       # one notebook, another name: a rename
        (other, path), = names.items()
        sub.files[missing[0]] = path
        sub.notes.append(f"notebook '{other}' graded as '{missing[0]}'")
        missing = []
    for nb in missing:
        sub.files[nb] = None


def find_submissions(path, assignment, notebooks, name_pattern=None):
    path = Path(path)
    root = _nbgrader_root(path, assignment)
    subs: dict[str, Submission] = {}
    if root is not None:
        for d in sorted(p for p in root.iterdir() if p.is_dir()):
            sub = Submission(d.name)
            adir = d / assignment
            found = sorted(adir.glob("*.ipynb")) if adir.is_dir() else []
            _match(found, notebooks, sub)
            ts = adir / "timestamp.txt"
            if ts.is_file() and ts.stat().st_size < 200:
                sub.timestamp = ts.read_text().strip()
            subs[d.name] = sub
        return subs
    pattern = re.compile(name_pattern or r"^(?P<student>[^_]+?)(?:_.*)?$")
    grouped: dict[str, list[Path]] = {}
    for f in sorted(path.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in f.parts:
            continue
        stem = f.stem
        m = pattern.match(stem)
        student = m.group("student") if m else stem
        grouped.setdefault(student, []).append(f)
    for student, files in grouped.items():
        sub = Submission(student)
        if len(notebooks) == 1:
            sub.files[notebooks[0]] = files[0]
            if len(files) > 1:
                sub.notes.append(f"{len(files)} notebooks found; graded {files[0].name}")
        else:
            _match(files, notebooks, sub)
        subs[student] = sub
    return subs


def valid_student_id(student):
    return bool(STUDENT_ID.match(student))
