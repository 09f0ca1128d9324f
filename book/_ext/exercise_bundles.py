"""Local Sphinx extension: a "Get the exercise" download on every chapter that has an exercise.

For each exercise ``<id>`` (``autograder/exercises.py``: every chapter ``book/<id>`` of
``_toc.yml``, with its student notebook ``exercises/<id>/<id>.ipynb``) the book build writes ``downloads/<id>-exercise.zip`` into the site and puts a box with the download
link at the top of the chapter. The zip holds one folder, ``dnn-exercise-<id>/``, with

* ``<id>.ipynb`` — the student notebook exactly as nbgrader released it;
* ``autograder/`` — just what its visible checks import: the check framework (``checks``,
  ``hints``, ``gradcheck``) and the exercise's spec (found by following the imports); never
  the batch grader, other exercises' specs, a solution or a hidden test. The reference
  definitions the spec compares with (``autograder/reference/<m>.py``: the forward passes a
  learner writes) are NOT shipped: each is a stub that looks its answers up in
  ``autograder/reference/recorded.npz``, written here by running the visible checks once with
  the real definitions on the solution's answers and on wrong versions of them (see
  :mod:`autograder.reference.replay`);
* ``pyproject.toml`` — so ``pip install dnn-exercise-<id>.zip`` (or ``pip install .`` in the
  unzipped folder) installs that ``autograder`` and NumPy in any Python ≥ 3.11;
* ``README.md`` — the three steps, and the chapter it belongs to (with its address when
  ``html_baseurl`` is set in ``_config.yml``).

``python book/_ext/exercise_bundles.py <id> <folder>`` writes one bundle (the tests use it).
"""
from __future__ import annotations

import ast
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: Where the bundles go in the built site, and their names.
SITE_DIR = "downloads"
#: The modules every bundle needs: the check framework (``autograder/__init__`` imports checks).
CORE = ("autograder/__init__.py", "autograder/checks.py", "autograder/hints.py",
        "autograder/gradcheck.py", "autograder/specs/__init__.py", "autograder/reference/__init__.py")
#: Third-party imports allowed in the shipped modules, with their requirement.
REQUIREMENTS = {"numpy": "numpy>=2.0", "matplotlib": "matplotlib>=3.8", "sklearn": "scikit-learn>=1.3"}
#: Fixed timestamp for zip members: the same sources give the same bytes.
EPOCH = (2025, 1, 1, 0, 0, 0)


def bundle_name(assignment: str) -> str:
    return f"{assignment}-exercise.zip"


#: What a bundle is made from, per exercise (kinds of ``autograder/exercises.py``).
SOURCES = ("solution", "released", "spec")


def exercises(repo: Path = REPO) -> list[str]:
    """Every exercise of the course (``autograder/exercises.py``: the chapters of ``_toc.yml``).
    Fails, naming the files, if one lacks what its bundle is made from."""
    from autograder import exercises as registry

    names = registry.names(repo)
    lacking = [registry.path(n, kind, repo).relative_to(repo).as_posix()
               for n in names for kind in SOURCES if not registry.path(n, kind, repo).is_file()]
    if lacking:
        raise FileNotFoundError(f"exercises listed in _toc.yml lack {', '.join(lacking)} "
                                "(see autograder/exercises.py; `make exercises` writes exercises/)")
    return names


def _module_file(repo: Path, module: str) -> Path | None:
    base = repo / Path(*module.split("."))
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.is_file():
            return cand
    return None


def _imports(tree):
    """Top-level-qualified names imported anywhere in ``tree`` (absolute imports only)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)


def notebook_imports(notebook: Path) -> set[str]:
    """Top-level modules the code cells of ``notebook`` import (IPython magics skipped)."""
    import json

    cells = json.loads(notebook.read_text())["cells"]
    names = set()
    for cell in cells:
        if cell["cell_type"] == "code":
            src = "".join(cell["source"])
            src = "\n".join(line for line in src.splitlines() if not line.lstrip().startswith(("%", "!")))
            names |= {n.split(".")[0] for n in _imports(ast.parse(src))}
    return names


def _is_reference(rel: str) -> bool:
    """A reference module (shipped as a recorded stub, so its own imports need no install)."""
    return rel.startswith("autograder/reference/") and \
        rel not in ("autograder/reference/__init__.py", "autograder/reference/replay.py")


def needed_files(assignment: str, repo: Path = REPO) -> tuple[list[str], set[str]]:
    """The repository files (relative paths) the visible checks of ``assignment`` import, and
    the third-party top-level modules they and the student notebook use (a reference module's
    own imports do not count: the bundle ships a stub in its place)."""
    todo = [repo / f for f in CORE] + [repo / "autograder" / "specs" / f"{assignment}.py"]
    seen = set()
    third = notebook_imports(repo / "exercises" / assignment / f"{assignment}.ipynb") - _STDLIB - {"autograder"}
    while todo:
        path = todo.pop()
        rel = path.relative_to(repo).as_posix()
        if rel in seen:
            continue
        seen.add(rel)
        for name in _imports(ast.parse(path.read_text(), rel)):
            top = name.split(".")[0]
            if top == "autograder":
                found = _module_file(repo, name)
                if found is not None:
                    todo.append(found)
            elif top not in _STDLIB and not _is_reference(rel):
                third.add(top)
    return sorted(seen), third


# ---------------------------------------------------------------- recorded reference results
SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)
#: Wrong versions of every number the solution's answers hold, so that the checks' failure
#: paths (hints comparing with known mistakes, replays at another learning rate …) run and
#: record what they ask of the reference too.
VARIANTS = (lambda a: -a, lambda a: 2 * a, lambda a: a + 0.5, lambda a: 0 * a)


def _is_flag(a) -> bool:
    """A probe's "this went right" flag (1.0; see ``Judge.flag``): kept as it is."""
    return a.shape == () and a.item() == 1.0


def record_reference(assignment: str, out: Path, repo: Path = REPO) -> Path:
    """Run the visible checks of ``assignment`` with the real reference definitions on the
    solution's answers and on wrong versions of them, and write every reference call they make
    to ``out`` (``recorded.npz``). Runs in a fresh process (the solution's cells are executed).
    A recording is kept in ``_build/.bundle-cache/`` under a digest of everything it depends on
    (:func:`recording_key`), so a rebuild with nothing changed records nothing."""
    cached = _cached_recording(assignment, repo)
    if not cached.exists():
        proc = _start_recording(assignment, repo, cached)
        _finish_recording(assignment, proc, cached)
    shutil.copyfile(cached, out)
    return out


#: Where recordings are kept between builds.
CACHE = Path("_build") / ".bundle-cache"


def recording_key(assignment: str, repo: Path = REPO) -> str:
    """A digest of what a recording depends on: the solution notebook, every module of
    ``autograder/``, this file, and the Python and NumPy versions."""
    import hashlib

    import numpy
    h = hashlib.sha256(f"{sys.version}|{numpy.__version__}|{assignment}".encode())
    files = [repo / "solutions" / assignment / f"{assignment}.ipynb", Path(__file__).resolve(),
             *sorted((repo / "autograder").rglob("*.py"))]
    for f in files:
        h.update(str(f.relative_to(repo) if f.is_relative_to(repo) else f.name).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:20]


def _cached_recording(assignment: str, repo: Path) -> Path:
    return repo / CACHE / f"{assignment}-{recording_key(assignment, repo)}.npz"


def _start_recording(assignment: str, repo: Path, cached: Path, nice=False):
    """Start recording into ``cached`` (through a temporary name); returns the process."""
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp.npz")
    env = {**os.environ, "PYTHONPATH": str(repo), "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--record", assignment, str(tmp)],
                            cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=(lambda: os.nice(10)) if nice else None)
    proc.tmp = tmp
    return proc


def _finish_recording(assignment: str, proc, cached: Path) -> None:
    _, err = proc.communicate(timeout=1800)
    if proc.returncode:
        proc.tmp.unlink(missing_ok=True)
        raise RuntimeError(f"recording the reference results of {assignment} failed:\n{(err or '')[-3000:]}")
    os.replace(proc.tmp, cached)            # atomic: parallel builds and tests may share the cache


def _record_here(assignment: str, out: Path, repo: Path) -> None:
    import json

    from autograder.checks import draw_cases, load_spec, run_probe, verify
    from autograder.reference import replay

    modules = [Path(f).stem for f in needed_files(assignment, repo)[0] if _is_reference(f)]
    with replay.recording() as rec:
        spec = load_spec(assignment)        # imported now: what it binds at import is recorded too
        namespace: dict = {"__name__": "__main__"}
        notebook = repo / "solutions" / assignment / f"{assignment}.ipynb"
        for cell in json.loads(notebook.read_text())["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            src = "".join(cell["source"])
            if cell["cell_type"] == "code" and not meta.get("grade") and "NBGRADER_EXECUTION" not in src:
                src = "\n".join(line for line in SOLUTION_MARKERS.sub("", src).splitlines()
                                 if not line.lstrip().startswith(("%", "!")))
                exec(compile(src, f"<{assignment}:{meta.get('grade_id')}>", "exec"), namespace)
        for item in spec.ITEMS.values():
            # every call of the notebook and of drawing the cases is kept (the notebook must run);
            # the judging's calls only up to MAX_ENTRIES numbers per array
            cases = draw_cases(item)
            captured = run_probe(item, namespace, cases)
            rec.limit = replay.MAX_ENTRIES
            verify(item, cases, captured)
            for change in VARIANTS:
                arrays = captured.arrays
                captured.arrays = {k: change(v) if v.dtype.kind == "f" and not _is_flag(v) else v
                                   for k, v in arrays.items()}
                verify(item, cases, captured)
                captured.arrays = arrays
            rec.limit = None
    replay.dump(rec, modules, out)


_STDLIB = set(sys.stdlib_module_names) | {"__future__"}

PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "dnn-exercise-{id}"
version = "1.0"
description = "How Deep Neural Networks Learn: the checks of exercise '{id}'"
requires-python = ">=3.11"
dependencies = {deps}

[tool.setuptools]
packages = {packages}

[tool.setuptools.package-data]
"autograder.reference" = ["recorded.npz"]
"""

README = """# Exercise: {title}

The exercise of the chapter *{title}*{where} of the open course *How Deep Neural Networks
Learn*: read the chapter first.

1. Install its checks (NumPy comes with them), in the Python that runs your Jupyter:
   `pip install {zip}` (or, in this unzipped folder, `pip install .`).
2. Open `{id}.ipynb` in JupyterLab, Jupyter Notebook, VS Code or Colab.
3. Write your code where it says `# YOUR CODE HERE` and run the test cell under each answer: it
   prints one line per check (✔ or ✘, the largest relative error against the tolerance, and a
   hint for a known mistake). A line marked ○ is a check this download cannot run — on the
   large input, or judging your own trained parameters with the course's reference code,
   which it does not contain: the grader runs it.

When you hand the notebook in, your teacher's grader runs more cases of the same kind.
"""


def build_bundle(assignment: str, dest: Path, repo: Path = REPO, title: str | None = None,
                 chapter_url: str | None = None) -> Path:
    """Write ``dest/<id>-exercise.zip`` and return its path (``chapter_url``: the chapter's
    address, named in the README when the site's ``html_baseurl`` is set)."""
    notebook = repo / "exercises" / assignment / f"{assignment}.ipynb"
    if not notebook.is_file():
        raise FileNotFoundError(f"{notebook} missing: run `make exercises`")
    files, third = needed_files(assignment, repo)
    unknown = third - set(REQUIREMENTS)
    if unknown:
        raise RuntimeError(f"exercise bundle {assignment}: the checks import {sorted(unknown)}; "
                           "add them to REQUIREMENTS in book/_ext/exercise_bundles.py")
    packages = sorted({str(Path(f).parent).replace("/", ".") for f in files})
    deps = sorted(REQUIREMENTS[t] for t in third)
    top = f"dnn-exercise-{assignment}"
    entries = {f: (repo / f).read_bytes() for f in files if not _is_reference(f)}
    entries[GRADCHECK] = _only_used_functions(repo, GRADCHECK, [t.decode() for f, t in entries.items()
                                                                if f != GRADCHECK]).encode()
    stubs = [f for f in files if _is_reference(f)]
    if stubs:
        replay = _replay_module(repo)
        for f in stubs:
            entries[f] = replay.stub_source(Path(f).stem).encode()
        with tempfile.TemporaryDirectory() as tmp:
            entries["autograder/reference/recorded.npz"] = record_reference(
                assignment, Path(tmp) / "recorded.npz", repo).read_bytes()
    entries[f"{assignment}.ipynb"] = notebook.read_bytes()
    entries["pyproject.toml"] = PYPROJECT.format(
        id=assignment, deps=_toml_list(deps), packages=_toml_list(packages)).encode()
    entries["README.md"] = README.format(
        id=assignment, title=title or assignment.replace("_", " "),
        where=f" ({chapter_url})" if chapter_url else "",
        zip=bundle_name(assignment)).encode()
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / bundle_name(assignment)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(f"{top}/{name}", EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, entries[name])
    out.write_bytes(buf.getvalue())
    return out


#: The numerical-gradient module: a bundle holds only the functions its other modules use (the
#: chain-rule exercise asks for the central difference itself, and its checks need only the
#: relative error; the others' checks differentiate the recorded reference with it).
GRADCHECK = "autograder/gradcheck.py"


def _only_used_functions(repo: Path, module: str, others: list[str]) -> str:
    """The text of ``module`` without its top-level functions that none of ``others`` imports
    and no kept function calls."""
    text = (repo / module).read_text()
    tree = ast.parse(text)
    name = module[:-3].replace("/", ".")
    used = set()
    for other in others:
        for node in ast.walk(ast.parse(other)):
            if isinstance(node, ast.ImportFrom) and node.module == name:
                used |= {a.name for a in node.names}
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    todo = [n for n in used if n in functions]
    while todo:
        for node in ast.walk(functions[todo.pop()]):
            if isinstance(node, ast.Name) and node.id in functions and node.id not in used:
                used.add(node.id)
                todo.append(node.id)
    lines = text.splitlines(keepends=True)
    for fn in sorted((f for n, f in functions.items() if n not in used), key=lambda f: -f.lineno):
        start = min([fn.lineno] + [d.lineno for d in fn.decorator_list]) - 1
        end = fn.end_lineno
        while end < len(lines) and not lines[end].strip():      # and the blank lines after it
            end += 1
        del lines[start:end]
    return "".join(lines)


def _replay_module(repo: Path):
    """``autograder/reference/replay.py`` of ``repo`` (the Sphinx process need not import autograder)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_dnn_replay", repo / "autograder/reference/replay.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _toml_list(items) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


# ---------------------------------------------------------------- Sphinx hooks
def _title(app, docname: str) -> str:
    node = app.env.titles.get(docname)
    return node.astext() if node is not None else docname


def _doctree_resolved(app, doctree, docname) -> None:
    from docutils import nodes
    from sphinx.util.osutil import relative_uri

    if app.builder.format != "html" or not docname.startswith("book/"):
        return
    assignment = docname.split("/", 1)[1]
    if assignment not in app.env.dnn_exercises:
        return
    href = relative_uri(app.builder.get_target_uri(docname), f"{SITE_DIR}/{bundle_name(assignment)}")
    box = nodes.container(classes=["dnn-exercise", "admonition", "tip"])
    box += nodes.paragraph("", "", nodes.strong("", "Exercise. "), nodes.Text(
        "Implement this chapter yourself: "),
        nodes.reference("", "Get the exercise", refuri=href, classes=["dnn-exercise-link"]),
        nodes.Text(f" ({bundle_name(assignment)}: the notebook and its checks). Run "),
        nodes.literal("", f"pip install {bundle_name(assignment)}"),
        nodes.Text(", then open the notebook in any Jupyter. (This page's own .ipynb download "
                   "needs the course repository, where its plotting helpers live.)"))
    hub = app.config.dnn_hub_url
    if hub:      # the course hub's link (hub/open_exercise.py): fetch the exercise, open it in Lab
        box += nodes.paragraph("", "", nodes.Text("In a class with a course hub: "), nodes.reference(
            "", "Open the exercise in the course hub", refuri=hub_link(hub, assignment),
            classes=["dnn-hub-link"]), nodes.Text(" (sign in; your own copy opens in JupyterLab)."))
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    # right after the chapter's title
    index = next((i + 1 for i, c in enumerate(section.children) if isinstance(c, nodes.title)), 0)
    section.insert(index, box)


def _builder_inited(app) -> None:
    repo = Path(app.confdir)
    app.env.dnn_exercises = set(exercises(repo))
    # Recordings the cache lacks start now, one at a time in the background and at low priority,
    # while the chapters execute; build_bundle (at the end) waits for them.
    app._dnn_recording = threading.Thread(target=_record_missing, args=(sorted(app.env.dnn_exercises), repo),
                                          daemon=True)
    app._dnn_recording.start()


def _record_missing(assignments, repo: Path) -> None:
    for assignment in assignments:
        cached = _cached_recording(assignment, repo)
        if cached.exists():
            continue
        proc = _start_recording(assignment, repo, cached, nice=True)
        try:
            _finish_recording(assignment, proc, cached)
        except Exception:          # build_bundle records it again and reports the failure
            pass


def _build_finished(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    if getattr(app, "_dnn_recording", None) is not None:
        app._dnn_recording.join()
    repo = Path(app.confdir)
    base = (app.config.html_baseurl or "").rstrip("/")
    for assignment in sorted(app.env.dnn_exercises):
        page = f"book/{assignment}"
        url = f"{base}/{app.builder.get_target_uri(page)}" if base else None
        build_bundle(assignment, Path(app.outdir) / SITE_DIR, repo, _title(app, page), url)


def hub_link(hub_url: str, assignment: str) -> str:
    """The course hub's link to a chapter's exercise (``DNNBOOK_HUB_URL``, e.g.
    ``https://hub.example.org/``): the hub signs the learner in, starts their server and sends
    them on to ``course/open/<assignment>`` there."""
    return f"{hub_url.rstrip('/')}/hub/user-redirect/course/open/{assignment}"


def setup(app):
    # off unless the book is built with DNNBOOK_HUB_URL (a change rebuilds every page)
    app.add_config_value("dnn_hub_url", os.environ.get("DNNBOOK_HUB_URL", ""), "env")
    app.connect("builder-inited", _builder_inited)
    app.connect("doctree-resolved", _doctree_resolved)
    app.connect("build-finished", _build_finished)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    if sys.argv[1] == "--record":
        _record_here(sys.argv[2], Path(sys.argv[3]), REPO)
    else:
        print(build_bundle(sys.argv[1], Path(sys.argv[2])))
