"""The README's *Environment* table lists every environment variable the code reads.

Reads are found in the source (``os.environ.get(X)``, ``os.environ[X]``, ``os.getenv(X)``, with
``X`` a string or a module-level string constant) of every Python file of the repository.
Static (no import, no process): well under a second.
"""
import ast
import re

import course

#: Read only to be passed on to a child process unchanged.
PASSED_ON = {"PATH"}
FOLDERS = ("autograder", "book", "tests", "benchmarks", "hub")


def _is_environ(node) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def environment_reads(source: str) -> set[str]:
    tree = ast.parse(source)
    constants = {t.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for t in node.targets if isinstance(t, ast.Name)}
    keys = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute) and (
                (node.func.attr == "get" and _is_environ(node.func.value)) or node.func.attr == "getenv"):
            keys.append(node.args[0])
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_environ(node.value):
            keys.append(node.slice)
    names = set()
    for key in keys:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
        elif isinstance(key, ast.Name) and key.id in constants:
            names.add(constants[key.id])
    return names


def test_the_finder_sees_each_way_of_reading():
    src = 'import os\nV = "B_VAR"\nos.environ.get("A_VAR")\nos.environ[V]\nos.getenv("C_VAR", "")\nos.environ["D"] = "1"\n'
    assert environment_reads(src) == {"A_VAR", "B_VAR", "C_VAR"}


def test_readme_lists_every_environment_variable_the_code_reads():
    read = set()
    for folder in FOLDERS:
        for path in sorted((course.REPO / folder).rglob("*.py")):
            if "_vendor" not in path.parts:
                read |= environment_reads(path.read_text())
    readme = (course.REPO / "README.md").read_text()
    table = readme[readme.index("## Environment"):]
    listed = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", table))
    assert read - PASSED_ON <= listed, f"not in the README's Environment table: {sorted(read - PASSED_ON - listed)}"
