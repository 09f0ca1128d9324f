"""Reading a submitted notebook on the host: parse it, compare it with the released version,
and decide which code runs in the sandbox.

* ``parse`` reads the JSON with nbformat and validates it; anything else is *unparseable*.
* ``inspect`` compares every locked or graded cell (found by nbgrader ``grade_id``) with the
  released notebook using nbgrader's own checksum, and reports edits, deletions, type changes,
  metadata changes and duplicates as *tampering*.
* ``plan`` lists the code cells to execute: the student's answer cells and any cells they added,
  with every locked non-test cell restored to the released source (re-inserted if deleted). Test
  cells are never executed in the sandbox: their verdict is computed on the host.
"""
import json

import nbformat
from nbgrader.utils import compute_checksum

from autograder.grade.collect import MAX_NOTEBOOK_BYTES


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


def _is_test(meta):
    return bool(meta.get("grade")) and not meta.get("solution")


def test_ids(nb):
    """grade_id of every graded test cell of a notebook, in order."""
    return [_meta(c)["grade_id"] for c in nb.cells if _is_test(_meta(c)) and _meta(c).get("grade_id")]


def inspect(nb, released):
    """Tampering found in ``nb`` compared with the ``released`` notebook (list of strings)."""
    problems = []
    seen: dict[str, int] = {}
    for cell in nb.cells:
        gid = _meta(cell).get("grade_id")
        if gid:
            seen[gid] = seen.get(gid, 0) + 1
    by_id = {}
    for cell in nb.cells:
        gid = _meta(cell).get("grade_id")
        if gid:
            by_id[gid] = cell                       # the last copy, as nbgrader's DeduplicateIds
    for gid, count in seen.items():
        if count > 1:
            problems.append(f"cell '{gid}' appears {count} times")
    for ref in released.cells:
        meta = _meta(ref)
        gid = meta.get("grade_id")
        if not gid or not (meta.get("locked") or meta.get("grade")):
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
            if meta.get("locked") and compute_checksum(cell) != compute_checksum(ref):
                problems.append(f"locked cell '{gid}' was edited")
    return problems


def plan(nb, released):
    """The code cells to execute in the sandbox, in order (sources only)."""
    locked = {}
    for ref in released.cells:
        meta = _meta(ref)
        if ref.cell_type == "code" and meta.get("locked") and not _is_test(meta):
            locked[meta["grade_id"]] = ref.source
    released_ids = {(_meta(c).get("grade_id")): c for c in released.cells if _meta(c).get("grade_id")}
    sources, restored = [], set()
    for cell in nb.cells:
        gid = _meta(cell).get("grade_id")
        ref = released_ids.get(gid)
        if gid in locked:
            if gid not in restored:               # a locked cell runs once, as released
                sources.append(locked[gid])
                restored.add(gid)
            continue
        if ref is not None and _is_test(_meta(ref)):
            continue                               # test cells: judged on the host
        if cell.cell_type == "code" and (ref is None or ref.cell_type == "code"):
            sources.append(cell.source)
    missing = [src for gid, src in locked.items() if gid not in restored]
    return missing + sources
