"""No leaks: no solution line and no hidden-test line appears in the student notebooks
(``exercises/``) or anywhere in the built book (``_build/html``)."""
import html
import re

import nbformat
import pytest

import course
from autograder import exercises

REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
MIN_CHARS = 10          # shorter lines (`return x`, `else:`) are not evidence of a leak
#: Lines that only name a variable (``return grad``, ``return dx, dW``) reveal nothing.
NAMES_ONLY = re.compile(r"^(return\s+)?[\w\s,()]+$")
#: Generic lines that a solution may share with teaching code; each addition needs a reason.
GENERIC = {
    "e = np.exp(z)",                          # the book's naive-softmax demonstration
    "rng = np.random.default_rng(seed)",      # seeding, in every notebook that draws numbers
}


def secret_lines():
    """(where, line) for every non-trivial line inside a solution region or a hidden-test block."""
    out = []
    for path in sorted((course.REPO / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for kind, body in REGION.findall(cell.source):
                for line in body.splitlines():
                    line = line.strip()
                    if len(line.replace(" ", "")) >= MIN_CHARS and not line.startswith("#") \
                            and line not in GENERIC and not NAMES_ONLY.match(line):
                        out.append((path.parent.name, f"{path.relative_to(course.REPO)} ({kind.lower()})", line))
    return out


def _text_of_html(raw):
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def _find(lines, texts):
    leaks = []
    for _, where, line in lines:
        for name, text in texts.items():
            if line in text:
                leaks.append(f"{where}: {line!r} appears in {name}")
    return leaks


def test_there_are_secrets_to_look_for():
    lines = secret_lines()
    assert any("hidden" in w for _, w, _ in lines) and any("solution" in w for _, w, _ in lines)


@pytest.mark.parametrize("assignment", sorted(p.name for p in (course.REPO / "solutions").iterdir() if p.is_dir()))
def test_exercises_contain_no_solution_or_hidden_test_line(assignment):
    """A student version must not contain its own assignment's solutions or hidden tests."""
    texts = {}
    for path in sorted((course.REPO / "exercises" / assignment).rglob("*")):
        if path.is_file():
            texts[str(path.relative_to(course.REPO))] = path.read_text(errors="replace")
    assert texts, f"exercises/{assignment}/ is empty: run `make exercises`"
    for path in sorted((course.REPO / "exercises" / assignment).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)     # decoded sources (JSON escapes quotes)
        texts[f"{path.relative_to(course.REPO)} (cells)"] = "\n".join(c.source for c in nb.cells)
    assert not _find([x for x in secret_lines() if x[0] == assignment], texts)


def test_built_book_contains_no_solution_or_hidden_test_line(built_book):
    texts = {}
    for path in sorted(built_book.html.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".txt", ".md", ".js", ".json", ".py"):
            if "_static" in path.parts:
                continue
            raw = path.read_text(errors="replace")
            texts[str(path.relative_to(built_book.html))] = _text_of_html(raw) if path.suffix == ".html" else raw
    assert texts
    assert not _find(secret_lines(), texts)


# ------------------------------------------------------------------ exercise bundles
#: Lines of an assignment's solution that its bundle's check modules still share with it, each
#: with its reason; any other shared line fails the test. No reference definition is among them:
#: a bundle ships ``autograder/reference/<m>.py`` only as a stub that looks recorded results up
#: (see ``autograder/reference/replay.py`` and the tests below).
SHARED_WITH_CHECKS = {
    # `for i in np.ndindex(x.shape):`, the loop of the exact gradient of a product (a test
    # function's derivative, not the learner's difference quotient)
    "chain_rule": {"autograder/specs/chain_rule.py"},
    # a hint's text: "set root.grad = 1.0 before calling the _backward functions"
    "computation_graphs": {"autograder/specs/computation_graphs.py"},
    # `N, D = x.shape` / `n, c = x.shape`, `c = int(y.max()) + 1`: shape bookkeeping
    "learning_types": {"autograder/specs/learning_types.py"},
    "two_layer_net": {"autograder/specs/two_layer_net.py"},
    # the checks' printed labels ("xor_forward: h = sigmoid(X @ W1 + b1)"), the formulas the
    # exercise states
    "xor": {"autograder/specs/xor.py"},
    # the names the exercise gives its callbacks (`def train_epoch(params):`, `def val_loss(params):`)
    "training": {"autograder/probes/training.py"},
}
ASSIGNMENTS = exercises.names()


def _bundles_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "exercise_bundles", course.REPO / "book" / "_ext" / "exercise_bundles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: Reference lines that are no computation and that the probes (shipped, and the sandbox's only
#: checking code) share: dispatch on an operation code, building the checks' test function.
REFERENCE_GENERIC = {"op = int(op)", "if op == ADD:", "if op == MUL:", "if op == MAX:", "if op == EXP:",
                     "f = _function(case)", 'with np.errstate(all="ignore"):'}


def reference_code_lines():
    """(module, line) for every non-trivial line of code inside the functions of the reference
    definitions (``autograder/reference/<m>.py``): what a learner writes. Lines it shares with
    the course's central differences (``autograder/gradcheck.py``, which the other exercises'
    bundles need; the chain-rule bundle leaves it out, see below) do not count."""
    import ast

    gradcheck = (course.REPO / "autograder" / "gradcheck.py").read_text()
    out = []
    for path in sorted((course.REPO / "autograder" / "reference").glob("*.py")):
        if path.stem in ("__init__", "replay"):
            continue
        text = path.read_text()
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef):
                body = node.body[1:] if ast.get_docstring(node) else node.body
                for stmt in body:
                    for line in lines[stmt.lineno - 1:stmt.end_lineno]:
                        line = line.strip()
                        if len(line.replace(" ", "")) >= MIN_CHARS and not line.startswith("#") \
                                and not NAMES_ONLY.match(line) and line not in REFERENCE_GENERIC \
                                and line not in gradcheck:
                            out.append((path.stem, f"autograder/reference/{path.name}", line))
    return out


def bundle_texts(zip_path):
    """{member path inside the bundle's folder: decoded text} (notebooks also as their cells)."""
    import zipfile

    texts = {}
    with zipfile.ZipFile(zip_path) as zf:
        for name in zf.namelist():
            rel = name.split("/", 1)[1]
            if rel.endswith(".npz"):
                continue
            texts[rel] = zf.read(name).decode()
            if rel.endswith(".ipynb"):
                nb = nbformat.reads(texts[rel], as_version=4)
                texts[rel + " (cells)"] = "\n".join(c.source for c in nb.cells)
    return texts


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """Every assignment's bundle, built once (~25 s in all: each records its reference results)."""
    module = _bundles_module()
    tmp = tmp_path_factory.mktemp("bundles")
    return {a: module.build_bundle(a, tmp) for a in ASSIGNMENTS}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_bundle_contains_no_solution_or_hidden_test_line(assignment, bundles):
    """The "Get the exercise" zip: its notebook, README and pyproject share no line with the
    assignment's solutions or hidden tests; its check modules only the known ones above."""
    texts = bundle_texts(bundles[assignment])
    assert f"{assignment}.ipynb" in texts and "pyproject.toml" in texts
    assert not [n for n in texts if n.startswith("autograder/grade")], sorted(texts)
    secrets = [x for x in secret_lines() if x[0] == assignment]
    shared = SHARED_WITH_CHECKS.get(assignment, set())
    assert not _find(secrets, {n: t for n, t in texts.items() if n not in shared})
    # the shared modules are byte-identical to the ones the repository's exercise imports
    for name in shared:
        assert texts[name] == (course.REPO / name).read_text(), name


def test_no_reference_definition_is_shared_with_checks():
    assert not [f for files in SHARED_WITH_CHECKS.values() for f in files if f.startswith("autograder/reference/")]


def test_chain_rule_bundle_holds_no_numerical_gradient(bundles):
    """The chain-rule exercise asks for the central difference: its bundle's gradcheck keeps only
    the relative error (the differences the checks compare with are recorded results)."""
    texts = bundle_texts(bundles["chain_rule"])
    assert "def relative_error" in texts["autograder/gradcheck.py"]
    assert not [n for n, t in texts.items() if n.startswith("autograder/") and "def numerical_gradient" in t]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_bundle_ships_no_reference_definition(assignment, bundles):
    """No line of code of any reference definition is in the bundle: each reference module the
    checks import is the stub that looks up recorded results."""
    replay = _bundles_module()._replay_module(course.REPO)
    texts = bundle_texts(bundles[assignment])
    stubs = [n for n in texts if n.startswith("autograder/reference/") and n not in (
        "autograder/reference/__init__.py", "autograder/reference/replay.py")]
    assert stubs, sorted(texts)                  # every exercise's checks use the reference
    for name in stubs:
        assert texts[name] == replay.stub_source(name.rsplit("/", 1)[1][:-3]), name
    assert not _find(reference_code_lines(), {n: t for n, t in texts.items() if n.startswith("autograder/")})


def test_the_reference_detector_finds_a_shipped_reference_module(bundles):
    """The test above fails if a bundle held a real reference module again."""
    texts = bundle_texts(bundles["xor"])
    texts["autograder/reference/xor.py"] = (course.REPO / "autograder/reference/xor.py").read_text()
    texts["autograder/reference/activations.py"] = (course.REPO / "autograder/reference/activations.py").read_text()
    found = _find(reference_code_lines(), texts)
    assert any("xor.py" in f for f in found) and any("return np.where(x > 0, x, a * x)" in f for f in found)
