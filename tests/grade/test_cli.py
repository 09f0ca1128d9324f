"""autograder.grade.cli is a shell: its defaults are the options', the options' the sandbox's."""
from pathlib import Path

from autograder.grade import cli
from autograder.grade.model import GradeOptions


def test_arguments_become_options():
    o = cli.options(cli.parse_args(["activations", "subs", "--student", "a", "--student", "b",
                                    "--memory", "512", "--no-progress"]))
    assert o == GradeOptions("activations", Path("subs"), students=["a", "b"], memory_mib=512, progress=False,
                             workers=o.workers)


def test_defaults_are_the_options_defaults():
    o, d = cli.options(cli.parse_args(["a", "s"])), GradeOptions("a", Path("s"))
    assert (o.timeout, o.cell_timeout, o.memory_mib, o.workers, o.sandbox) == \
        (d.timeout, d.cell_timeout, d.memory_mib, d.workers, d.sandbox)
