"""autograder.grade.model: one ordered Status vocabulary, the sandbox's words mapped onto it, the
worse-status rule of Result and Submission, and options whose defaults are the sandbox's."""
from autograder.grade import model
from autograder.grade.model import CELL, ITEM, KILLED, GradeOptions, Result, Status, Submission, status_of
from autograder.grade.sandbox import Limits


def test_status_order_and_labels():
    assert [s.value for s in Status] == ["graded", "flagged", "tampered", "suspicious", "timed out", "out of memory", "crashed",
                                         "unparseable", "missing", "bad id", "ambiguous"]
    assert Status.CRASHED.worse_than("timed out") and not Status.TAMPERED.worse_than(Status.TAMPERED)
    assert f"{Status.OUT_OF_MEMORY}" == "out of memory" == Status("out of memory")


def test_sandbox_words_map_onto_status():
    assert status_of(KILLED, "cpu") == Status.TIMED_OUT and status_of(KILLED, "disk") == Status.CRASHED
    assert status_of(CELL, "memory") == Status.OUT_OF_MEMORY and status_of(CELL, "error") is None
    assert status_of(ITEM, "timeout") == Status.TIMED_OUT and status_of(ITEM, "ok") is None
    # written by the student's process: anything but a known string is no status (never a crash)
    assert status_of(CELL, ["timeout"]) is None and status_of(ITEM, {"a": 1}) is None


def test_result_keeps_the_worse_status_and_what_was_found_before():
    r = Result("alice")
    assert r.status == Status.GRADED and not r.needs_look
    r.worsen("tampered", "edited")
    r.worsen(Status.TAMPERED, "edited")                       # same reason: not repeated
    r.worsen(Status.TIMED_OUT, "slow")
    assert (r.status, r.reason) == (Status.TIMED_OUT, "slow; also tampered: edited")
    r.worsen(Status.TAMPERED, "ignored, better than timed out")
    r.worsen(Status.TIMED_OUT, "again")
    assert r.reason == "slow; also tampered: edited; again" and r.needs_look


def test_result_reason_is_cleaned_and_bounded():
    r = Result("bob")
    r.worsen(Status.CRASHED, "\x1b[2J" + "x" * 2000)
    assert r.reason.startswith("\\x1b[2J") and len(r.reason) == 1000 - 1 + len("\\x1b")


def test_submission_flag_keeps_the_worse_problem():
    s = Submission("carol")
    s.flag("bad id", "odd id")
    s.flag(Status.AMBIGUOUS, "two notebooks", skip=True)
    s.flag(Status.BAD_ID, "second note")
    assert s.problem == (Status.AMBIGUOUS, "two notebooks; second note") and s.skip


def test_options_take_their_defaults_from_the_sandbox_limits():
    o = GradeOptions("activations", "subs")
    d = Limits()
    assert (o.timeout, o.cell_timeout, o.memory_mib << 20) == (d.wall, d.cell, d.memory)
    lim = GradeOptions("a", "s", timeout=5, cell_timeout=2, memory_mib=64).limits()
    assert (lim.wall, lim.cell, lim.item, lim.memory) == (5, 2, 2, 64 << 20)


def test_phases_and_release():
    assert model.PHASES[0] == "prepare inputs" and model.PHASES[-1] == "gradebook write"
    rel = model.Release("activations", model.Path("/x"), {"a.ipynb": None})
    assert rel.names == ["a.ipynb"] and rel.path("a.ipynb") == model.Path("/x/a.ipynb")
