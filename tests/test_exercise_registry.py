"""One list of exercises (``autograder/exercises.py``, read from ``_toc.yml``), and every listed
exercise is complete: a half-added exercise fails here instead of being skipped elsewhere.

* every chapter of ``_toc.yml`` has all its files (chapter, solution, released notebook, probe,
  spec, mutants, chapter test) and no such file exists for a name that is not listed;
* within an exercise the graded items agree: the spec's ``ITEMS``, the probes' ``PROBES`` and
  the solution's graded test cells (``Item.grade_id``) name the same items, each item runs the
  very probe the sandbox runs, and the solution loads its own exercise's checks;
* the registry itself sees a half-added and a stray exercise (on a throw-away tree).

Static checks of files and imports (no kernel, no build): about a second.
"""
import json
import sys

import pytest

from autograder import exercises
from autograder.checks import load_spec
from autograder.probe import load_probes

NAMES = exercises.names()


def test_the_toc_lists_the_exercises_once_each():
    assert NAMES and len(set(NAMES)) == len(NAMES), NAMES


@pytest.mark.parametrize("name", NAMES)
def test_every_listed_exercise_has_all_its_files(name):
    assert exercises.missing(name) == [], f"exercise {name!r} is listed in _toc.yml but lacks these files"


def test_no_file_belongs_to_an_unlisted_exercise():
    assert exercises.orphans() == [], "files of exercises that _toc.yml does not list"


def _graded_cells(name):
    cells = json.loads(exercises.path(name, "solution").read_text())["cells"]
    return cells, [c["metadata"]["nbgrader"]["grade_id"] for c in cells
                   if c["metadata"].get("nbgrader", {}).get("grade")]


@pytest.mark.parametrize("name", NAMES)
def test_spec_probes_and_solution_name_the_same_items(name):
    spec, probes = load_spec(name), load_probes(name)
    assert spec.ITEMS and set(spec.ITEMS) == set(probes), f"{name}: spec ITEMS and probes PROBES differ"
    for key, item in spec.ITEMS.items():
        # the notebook's check runs item.probe, the sandbox runs PROBES[name]: they must be one
        assert item.name == key and item.probe is probes[key], f"{name}: item {key!r} runs another probe"
    cells, graded = _graded_cells(name)
    assert sorted(graded) == sorted(item.grade_id for item in spec.ITEMS.values()), \
        f"{name}: the solution's graded cells are not one test_<item> per spec item"
    setup = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert f'load_checks("{name}"' in setup, f"{name}: the solution does not load its own checks"


def _tree(tmp_path, toc_names, files):
    """A throw-away repository: ``_toc.yml`` listing ``toc_names``, and empty ``files``."""
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                       + "".join(f"  - file: book/{n}\n" for n in toc_names))
    for rel in files:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    return tmp_path


def test_the_registry_sees_a_half_added_and_a_stray_exercise(tmp_path):
    complete = [exercises.KINDS[k].pattern.format(name="alpha") for k in exercises.KINDS]
    repo = _tree(tmp_path, ["alpha", "beta"],
                 complete + ["book/beta.ipynb", "autograder/specs/beta.py",
                             "solutions/gamma/notes.txt", "tests/mutants/gamma.py",
                             "autograder/reference/replay.py", "book/dnnbook/plots.py",
                             "autograder/specs/__init__.py", "autograder/specs/_common.py"])
    assert exercises.names(repo) == ["alpha", "beta"]
    assert exercises.missing("alpha", repo) == []
    assert exercises.missing("beta", repo) == [
        "solutions/beta/beta.ipynb", "exercises/beta/beta.ipynb", "autograder/probes/beta.py",
        "tests/mutants/beta.py", "tests/test_beta_chapter.py"]
    assert exercises.orphans(repo) == ["solutions/gamma", "tests/mutants/gamma.py"]


def test_a_toc_entry_outside_book_is_refused(tmp_path):
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: other/x\n")
    with pytest.raises(ValueError, match="book/<name>"):
        exercises.names(tmp_path)


def test_per_exercise_tables_name_only_listed_exercises():
    """The optional per-exercise entries (the build's measured CPU seconds per chapter, the
    leak test's allowed shared lines) name no exercise that is gone or misspelt."""
    import importlib.util

    from test_leaks import SHARED_WITH_CHECKS

    course_assets = sys.modules.get("course_assets")
    if course_assets is None:
        spec = importlib.util.spec_from_file_location("course_assets", exercises.REPO / "book" / "_ext" / "course_assets.py")
        course_assets = sys.modules["course_assets"] = importlib.util.module_from_spec(spec)  # for its dataclasses
        spec.loader.exec_module(course_assets)
    pages = {f"book/{name}" for name in NAMES} | {"book/intro"}
    assert set(course_assets.EXECUTION_SECONDS) <= pages, set(course_assets.EXECUTION_SECONDS) - pages
    assert set(SHARED_WITH_CHECKS) <= set(NAMES), set(SHARED_WITH_CHECKS) - set(NAMES)
