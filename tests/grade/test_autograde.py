"""autograder.grade.autograde: nbgrader's autograde driven directly leaves the gradebook and the
``autograded/`` folder exactly as ``NbGraderAPI.autograde`` (nbgrader's own converter and
preprocessors) does — for a class with a tampered notebook, a late submission, a submission secret, a
missing test cell, a manual grade an instructor entered and a re-grade."""
import random
import shutil
import sqlite3

import nbformat
import pytest

import course
from autograder.grade import gradebook
from autograder.grade.autograde import Autograde, name_student
from autograder.grade.model import Release, Result, Verdict
from autograder.grade.notebook import grade_id, is_test

A, NB = "activations", "activations.ipynb"


@pytest.fixture(scope="module")
def released_course(tmp_path_factory):
    root = course.make_course(tmp_path_factory.mktemp("autograde"), [A])
    course.a_class(root, A)
    sub = root / "submitted"
    (sub / "alice" / A / "submission_secret.txt").write_text("s3cret")       # carried along
    nb = nbformat.read(sub / "carol" / A / NB, as_version=4)
    nb.cells = [c for c in nb.cells if grade_id(c) != "test_relu"]           # a test cell deleted
    (sub / "erin" / A).mkdir(parents=True)
    nbformat.write(nb, sub / "erin" / A / NB)
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:              # a due date: late penalties
        gb.update_or_create_assignment(A, duedate="2026-12-01 12:00:00 UTC")
    return root


def _results(root, rng):
    folder = root / "exercises" / A
    release = Release(A, folder, {NB: nbformat.read(folder / NB, as_version=4)})
    gids = [grade_id(c) for c in release.notebooks[NB].cells if is_test(c)]
    results = []
    for student in sorted(p.name for p in (root / "submitted").iterdir()):
        res = Result(student)
        res.verdicts[NB] = {g: Verdict(g, rng.random() < 0.6, f"check {g}") for g in gids}
        res.stage[NB] = root / "submitted" / student / A / NB
        results.append(res)
    return release, results


TIMESTAMPS = {"alice": "2026-11-30 10:00:00 UTC", "bob": None, "carol": "2026-12-02 09:30:00 UTC",
              "dave": "2026-12-01 11:59:59 UTC", "erin": "2026-12-03 00:00:00 UTC"}


def _grade(root, how, rounds=2):
    """Write the class twice (the second time: other verdicts, after an instructor graded one cell
    by hand) with ``how`` ("direct": this module; "nbgrader": NbGraderAPI.autograde)."""
    rng = random.Random(3)
    release, _ = _results(root, rng)
    staging = root / ".grader" / "x"
    writer = gradebook._GradebookWriter(root, release, staging)
    if how == "nbgrader":
        from nbgrader.apps.api import NbGraderAPI
        cfg = gradebook.nbgrader_config(root, staging)
        api = NbGraderAPI(coursedir=writer.coursedir, config=cfg)
        from nbgrader.api import Gradebook

        def autograde(student):
            with Gradebook(writer.coursedir.db_url) as gb:
                name_student(gb, student)
            return api.autograde(A, student, force=True, create=True)
        writer.autograde = autograde
    for round_ in range(rounds):
        _, results = _results(root, rng)
        for res in results:
            writer.write(res, TIMESTAMPS.get(res.student))
        if round_ == 0:
            from nbgrader.api import Gradebook
            with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
                gb.find_grade("test_relu", "activations", A, "dave").manual_score = 0.5
                gb.find_grade("test_tanh", "activations", A, "alice").extra_credit = 1.0
                gb.find_comment("answer_relu", "activations", A, "dave").manual_comment = "see me"
                gb.db.commit()
    assert writer.failures == {}
    return writer


def _gradebook_rows(db):
    con = sqlite3.connect(db)
    query = {
        "submissions": "select st.id, sa.timestamp, a.name from submitted_assignment sa "
                       "join student st on st.id = sa.student_id join assignment a on a.id = sa.assignment_id",
        "notebooks": "select st.id, n.name, sn.late_submission_penalty, sn.flagged from submitted_notebook sn "
                     "join notebook n on n.id = sn.notebook_id join submitted_assignment sa on sa.id = sn.assignment_id "
                     "join student st on st.id = sa.student_id",
        "grades": "select st.id, c.name, g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade "
                  "from grade g join base_cell c on c.id = g.cell_id join submitted_notebook sn on sn.id = g.notebook_id "
                  "join submitted_assignment sa on sa.id = sn.assignment_id join student st on st.id = sa.student_id",
        "comments": "select st.id, c.name, m.auto_comment, m.manual_comment from comment m "
                    "join base_cell c on c.id = m.cell_id join submitted_notebook sn on sn.id = m.notebook_id "
                    "join submitted_assignment sa on sa.id = sn.assignment_id join student st on st.id = sa.student_id",
        "students": "select id, first_name, last_name from student",
    }
    rows = {k: sorted(map(repr, con.execute(q).fetchall())) for k, q in query.items()}
    con.close()
    return rows


def _files(root):
    base = root / "autograded"
    return {str(p.relative_to(base)): (p.read_bytes(), p.stat().st_mode & 0o777)
            for p in sorted(base.rglob("*")) if p.is_file()}


def _copy_course(released_course, root):
    """A copy of the class's course folder at ``root``, its nbgrader config pointing there."""
    shutil.copytree(released_course, root)
    (root / "nbgrader_config.py").write_text(
        (released_course / "nbgrader_config.py").read_text().replace(str(released_course), str(root)))
    return root


@pytest.fixture(scope="module")
def both(released_course, tmp_path_factory):
    out = {}
    for how in ("nbgrader", "direct"):
        root = _copy_course(released_course, tmp_path_factory.mktemp(how) / "course")
        writer = _grade(root, how)
        out[how] = {"rows": _gradebook_rows(root / "gradebook.db"), "files": _files(root), "logs": writer.logs,
                    "scores": gradebook.read_scores(f"sqlite:///{root / 'gradebook.db'}", A),
                    "nbgrader_scores": _nbgraders_own_scores(f"sqlite:///{root / 'gradebook.db'}"),
                    "db": f"sqlite:///{root / 'gradebook.db'}"}
    return out


def _nbgraders_own_scores(db_url):
    """student -> {grade id: (score, max score)} by walking nbgrader's objects, as its formgrader does."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:
        return {sub.student_id: {g.name: (g.score, g.max_score) for nb in sub.notebooks for g in nb.grades}
                for sub in gb.assignment_submissions(A)}


def test_the_gradebook_holds_what_nbgrader_itself_records(both):
    mine, theirs = both["direct"]["rows"], both["nbgrader"]["rows"]
    assert len(theirs["grades"]) == 5 * 11 and len(theirs["submissions"]) == 5
    assert any("0.5" in r and "dave" in r for r in theirs["grades"])            # the manual grade kept
    assert sum("2026-12-03" in r for r in theirs["submissions"]) == 1            # erin's timestamp
    for table in theirs:
        assert mine[table] == theirs[table], table


def test_read_scores_are_nbgraders_own(both):
    """One query, the numbers nbgrader's own objects give: manual grades win, extra credit adds."""
    for how in both:
        scores = both[how]["scores"]
        assert scores == both[how]["nbgrader_scores"] and len(scores) == 5
        assert scores["dave"]["test_relu"] == (0.5, 2.0)
        tanh = scores["alice"]["test_tanh"]
        assert tanh[1] == 2.0 and tanh[0] in (1.0, 3.0)            # 0 or 2 from the verdict, + 1
    some = gradebook.read_scores(both["direct"]["db"], A, ["erin", "nobody", "alice"])
    assert list(some) == ["erin", "alice"] and some["alice"] == both["direct"]["scores"]["alice"]


def test_the_autograded_folder_is_byte_for_byte_nbgraders(both):
    mine, theirs = both["direct"]["files"], both["nbgrader"]["files"]
    assert {"alice/activations/submission_secret.txt", "erin/activations/timestamp.txt"} <= set(theirs)
    assert sorted(mine) == sorted(theirs)
    for name in theirs:
        assert mine[name] == theirs[name], name


def test_the_tampered_cell_is_restored_and_reported(both):
    nb = nbformat.reads(both["direct"]["files"]["dave/activations/activations.ipynb"][0].decode(), as_version=4)
    assert "I edited the instructions" not in nb.cells[0].source
    assert any("dave" in entry and "checksum" in entry for entry in both["direct"]["logs"])


def test_a_failure_is_reported_and_leaves_no_autograded_folder(released_course, tmp_path):
    root = _copy_course(released_course, tmp_path / "course")
    from nbgrader.coursedir import CourseDirectory
    cfg = gradebook.nbgrader_config(root, root / "nowhere")
    out = Autograde(CourseDirectory(config=cfg), cfg, A)("alice")      # nothing staged for alice
    assert out["success"] is False and "FileNotFoundError" in out["error"]
    assert not (root / "autograded" / "alice" / A).exists()


def test_an_excluded_student_is_skipped_as_nbgrader_skips_them(released_course, tmp_path):
    root = _copy_course(released_course, tmp_path / "course")
    from nbgrader.coursedir import CourseDirectory
    cfg = gradebook.nbgrader_config(root, root)
    cfg.CourseDirectory.student_id_exclude = "bob,alice"
    out = Autograde(CourseDirectory(config=cfg), cfg, A)("alice")
    assert out["success"] is True and "excluded" in out["log"]
    assert not (root / "autograded" / "alice" / A).exists()


# ---------------------------------------------------------------------------- the writer process
def test_the_writer_process_prepares_writes_and_reads_back(released_course, tmp_path):
    """ready() once the gradebook knows the assignment; each result written with its timestamp;
    close() gives the scores nbgrader holds (read in the writer: the grader never imports
    nbgrader's API); nothing left running."""
    import multiprocessing
    root = _copy_course(released_course, tmp_path / "course")
    release, results = _results(root, random.Random(5))
    db = f"sqlite:///{root / 'gradebook.db'}"
    writer = gradebook.Writer(root, release, root / ".grader" / "w", db)
    assert writer.ready() == ""
    for res in results:
        writer.submit(res, TIMESTAMPS.get(res.student))
    scores = writer.close()
    assert writer.failures == {} and set(writer.cpu) == {r.student for r in results}
    assert scores == gradebook.read_scores(db, A) and len(scores) == 5
    for res in results:
        assert {g: s for g, (s, _) in scores[res.student].items()} == \
            {g: (float(course.max_points(A)[g]) if v.passed else 0.0) for g, v in res.verdicts[NB].items()}
    assert not multiprocessing.active_children()


def test_a_gradebook_that_cannot_be_prepared_stops_the_writer(released_course, tmp_path):
    import multiprocessing
    root = _copy_course(released_course, tmp_path / "course")
    release, _ = _results(root, random.Random(5))
    writer = gradebook.Writer(root, release, root / ".grader" / "w", f"sqlite:///{tmp_path}/no/such/dir/gb.db")
    problem = writer.ready()
    assert problem.startswith("the gradebook sqlite:///") and "could not be prepared" in problem
    assert "\n" not in problem and not multiprocessing.active_children()
    writer.abort()                                       # the run's cleanup: harmless now


def test_nbgrader_failing_to_start_fails_every_student(released_course, tmp_path, monkeypatch):
    import multiprocessing

    def broken(*args, **kwargs):
        raise RuntimeError("no nbgrader today")
    monkeypatch.setattr(gradebook, "_GradebookWriter", broken)        # in the forked process too
    root = _copy_course(released_course, tmp_path / "course")
    release, results = _results(root, random.Random(5))
    writer = gradebook.Writer(root, release, root / ".grader" / "w", f"sqlite:///{root / 'gradebook.db'}")
    assert writer.ready() == ""                          # the gradebook itself was prepared
    writer.submit(results[0])
    assert writer.close() is None
    assert writer.failures == {results[0].student: "nbgrader could not start: RuntimeError: no nbgrader today"}
    assert not multiprocessing.active_children()


def test_abort_ends_a_waiting_writer(released_course, tmp_path):
    import multiprocessing
    root = _copy_course(released_course, tmp_path / "course")
    release, _ = _results(root, random.Random(5))
    writer = gradebook.Writer(root, release, root / ".grader" / "w", f"sqlite:///{root / 'gradebook.db'}")
    assert writer.ready() == ""
    writer.abort()
    assert not multiprocessing.active_children()
