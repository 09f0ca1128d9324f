"""autograder.grade.notebook on in-memory notebooks (nbgrader's own cell predicates)."""
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.grade import notebook
from autograder.grade.model import MAX_NOTEBOOK_BYTES


def _cell(source, gid=None, cell=new_code_cell, **meta):
    c = cell(source)
    if gid:
        c.metadata["nbgrader"] = {"grade_id": gid, "grade": False, "solution": False, "locked": False,
                                  "schema_version": 3, **meta}
    return c


def released():
    return new_notebook(cells=[
        _cell("import numpy as np", "setup", locked=True),
        _cell("def relu(x): raise NotImplementedError()", "answer_relu", solution=True),
        _cell("check('relu')", "test_relu", grade=True, locked=True, points=2),
        _cell("# notes", None, cell=new_markdown_cell),
        _cell("check('sigmoid')", "test_sigmoid", grade=True, locked=True, points=1),
    ])


def test_is_test_and_grade_id():
    nb = released()
    assert [notebook.is_test(c) for c in nb.cells] == [False, False, True, False, True]
    assert notebook.test_ids(nb) == ["test_relu", "test_sigmoid"]
    odd = new_code_cell("x")
    odd.metadata["nbgrader"] = ["not", "a", "dict"]          # hostile metadata: never a crash
    assert not notebook.is_test(odd) and notebook.grade_id(odd) is None


def test_tampering_lists_edits_deletions_and_duplicates():
    nb = released()
    assert notebook.tampering(nb, released()) == []
    nb.cells[0].source = "import os"                          # edited locked cell
    nb.cells[2].metadata.nbgrader["points"] = 99              # changed points
    del nb.cells[4]                                           # deleted test cell
    nb.cells.append(nbformat.from_dict(json.loads(json.dumps(nb.cells[1]))))   # duplicated answer
    problems = notebook.tampering(nb, released())
    assert problems == ["cell 'answer_relu' appears 2 times", "locked cell 'setup' was edited",
                        "cell 'test_relu': nbgrader metadata 'points' changed", "cell 'test_sigmoid' was deleted"]


def test_plan_restores_locked_cells_and_never_runs_tests():
    nb = released()
    nb.cells[0].source = "import os"
    nb.cells[1].source = "def relu(x): return x * (x > 0)"
    nb.cells.insert(2, new_code_cell("extra = 1"))
    assert notebook.plan(nb, released()) == ["import numpy as np", "def relu(x): return x * (x > 0)", "extra = 1"]
    del nb.cells[0]                                           # a deleted locked cell runs first
    assert notebook.plan(nb, released())[0] == "import numpy as np"


def test_parse_refuses_what_is_not_a_notebook(tmp_path):
    p = tmp_path / "a.ipynb"
    for data, why in ((b"\xff", "not valid JSON"), (b"[]", "not a notebook"),
                      (json.dumps({"cells": [], "nbformat": 3}).encode(), "nbformat 3")):
        p.write_bytes(data)
        with pytest.raises(notebook.Unparseable, match=why):
            notebook.parse(p)
    p.write_bytes(b" " * (MAX_NOTEBOOK_BYTES + 1))
    with pytest.raises(notebook.Unparseable, match="limit"):
        notebook.parse(p)
    nbformat.write(released(), p)
    assert notebook.test_ids(notebook.parse(p)) == ["test_relu", "test_sigmoid"]
