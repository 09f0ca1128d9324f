"""Reading a submitted notebook on the host: parse it, compare it with the released version,
and decide which code runs in the sandbox.

* ``parse`` reads the JSON with nbformat and validates it; anything else is *unparseable*.
* ``tampering`` compares every locked or graded cell (found by nbgrader ``grade_id``) with the
  released notebook using nbgrader's own checksum, and reports edits, deletions, type changes,
  metadata changes and duplicates as *tampering*.
* ``plan`` lists the code cells to execute: the student's answer cells and any cells they added,
  with every locked non-test cell restored to the released source (re-inserted if deleted). Test
  cells are never executed in the sandbox: their verdict is computed on the host.

Cells are recognised with nbgrader's own predicates (``nbgrader.utils.is_grade``, ``is_solution``,
``is_locked``), after checking that the cell's ``nbgrader`` metadata is a dict at all (a submitted
notebook may hold anything there). :func:`is_test` and :func:`grade_id` are the grader's only
answers to "is this a graded test cell" and "what is its id".
"""
import json

import nbformat
from nbgrader.utils import compute_checksum, is_grade, is_locked, is_solution

from autograder.grade.model import MAX_NOTEBOOK_BYTES


class Unparseable(Exception):
    pass


def parse(path):
    from autograder.safeio import Unsafe, read_regular
    try:                   # never through a link, only a regular file, at most the byte cap
        data = read_regular(path, MAX_NOTEBOOK_BYTES)
    except Unsafe as exc:
        raise Unparseable(str(exc)) from None
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Unparseable(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or "cells" not in doc:
        raise Unparseable("not a notebook (no 'cells' list at the top level)")
    if doc.get("nbformat") != 4:
        raise Unparseable(f"nbformat {doc.get('nbformat')!r} is not supported (need 4)")
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:
        raise Unparseable(f"invalid notebook: {str(exc).splitlines()[0][:200]}") from None
    return nb


def _meta(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _nbgrader(cell):
    """The cell carries usable nbgrader metadata (a dict): nbgrader's predicates may look."""
    return isinstance(cell.get("metadata", {}).get("nbgrader"), dict)


def is_test(cell):
    """A graded test cell (graded, not an answer): judged on the host, never run."""
    return _nbgrader(cell) and bool(is_grade(cell)) and not is_solution(cell)


def grade_id(cell):
    """The cell's nbgrader ``grade_id``, or None."""
    return _meta(cell).get("grade_id") or None


def test_ids(nb):
    """grade_id of every graded test cell of a notebook, in order."""
    return [grade_id(c) for c in nb.cells if is_test(c) and grade_id(c)]


def tampering(nb, released):
    """Tampering found in ``nb`` compared with the ``released`` notebook (list of strings)."""
    problems = []
    seen: dict[str, int] = {}
    by_id = {}
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid:
            seen[gid] = seen.get(gid, 0) + 1
            by_id[gid] = cell                       # the last copy, as nbgrader's DeduplicateIds
    for gid, count in seen.items():
        if count > 1:
            problems.append(f"cell '{gid}' appears {count} times")
    for ref in released.cells:
        meta, gid = _meta(ref), grade_id(ref)
        if not gid or not (is_locked(ref) or is_grade(ref)):
            continue
        cell = by_id.get(gid)
        if cell is None:
            problems.append(f"cell '{gid}' was deleted")
            continue
        if cell.cell_type != ref.cell_type:
            problems.append(f"cell '{gid}' changed from {ref.cell_type} to {cell.cell_type}")
            continue
        got = _meta(cell)
        for key in ("grade", "solution", "locked", "points"):
            if got.get(key) != meta.get(key):
                problems.append(f"cell '{gid}': nbgrader metadata '{key}' changed")
                break
        else:
            if is_locked(ref) and compute_checksum(cell) != compute_checksum(ref):
                problems.append(f"locked cell '{gid}' was edited")
    return problems


def plan(nb, released):
    """The code cells to execute in the sandbox, in order (sources only)."""
    locked = {}
    for ref in released.cells:
        if ref.cell_type == "code" and _nbgrader(ref) and is_locked(ref) and not is_test(ref):
            locked[grade_id(ref)] = ref.source
    released_ids = {grade_id(c): c for c in released.cells if grade_id(c)}
    sources, restored = [], set()
    for cell in nb.cells:
        gid = grade_id(cell)
        ref = released_ids.get(gid)
        if gid in locked:
            if gid not in restored:               # a locked cell runs once, as released
                sources.append(locked[gid])
                restored.add(gid)
            continue
        if ref is not None and is_test(ref):
            continue                               # test cells: judged on the host
        if cell.cell_type == "code" and (ref is None or ref.cell_type == "code"):
            sources.append(cell.source)
    missing = [src for gid, src in locked.items() if gid not in restored]
    return missing + sources
