"""autograder.grade.collect: layouts, renames, ambiguity and odd ids (the zip and id rules are also
exercised end to end in test_grader_host.py)."""
from autograder.grade.collect import find_submissions, safe_id, valid_student_id
from autograder.grade.model import Status

NB = "activations.ipynb"


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    return path


def test_nbgrader_layout_with_a_renamed_notebook_and_a_timestamp(tmp_path):
    _touch(tmp_path / "submitted" / "alice" / "activations" / "activations (1).ipynb")
    (tmp_path / "submitted" / "alice" / "activations" / "timestamp.txt").write_text("2026-12-01 10:00:00 UTC\n")
    (tmp_path / "submitted" / "bob" / "activations").mkdir(parents=True)
    subs = find_submissions(tmp_path, "activations", [NB])
    assert set(subs) == {"alice", "bob"} and subs["bob"].files == {NB: None}
    assert subs["alice"].notes == ["notebook 'activations (1).ipynb' graded as 'activations.ipynb'"]
    assert subs["alice"].timestamp == "2026-12-01 10:00:00 UTC"


def test_flat_folder_two_notebooks_is_ambiguous(tmp_path):
    _touch(tmp_path / "carol_activations.ipynb")
    _touch(tmp_path / "carol_activations_v2.ipynb")
    _touch(tmp_path / "dave.ipynb")
    subs = find_submissions(tmp_path, "activations", [NB])
    assert subs["carol"].problem[0] == Status.AMBIGUOUS and subs["carol"].skip
    assert subs["dave"].problem is None and subs["dave"].files[NB].name == "dave.ipynb"


def test_odd_ids_are_graded_under_a_safe_id(tmp_path):
    _touch(tmp_path / "submitted" / "\u00e9ve\x1b" / "activations" / NB)
    subs = find_submissions(tmp_path, "activations", [NB])
    (student, sub), = subs.items()
    assert valid_student_id(student) and student == safe_id("\u00e9ve\x1b") and student.startswith("eve_-")
    assert sub.problem[0] == Status.BAD_ID and "\\xe9ve\\x1b" in sub.problem[1]
