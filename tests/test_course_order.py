"""The course's order is what the introduction promises (book/intro.md, "Learning path").

* ``_toc.yml``, the introduction's chapter table and the README's chapter table list the chapters
  in the same order;
* no chapter — its page, the ``dnnbook`` module behind the page, or its exercise solution — uses a
  course module that belongs to a later chapter (``autograder.reference.<id>`` and
  ``dnnbook.<id>``, followed through their own imports);
* chapter 1, the announced exception, says on its page that its gradients are given and checked
  numerically;
* every chapter ends with self-check questions whose answers can be revealed, and further reading;
* the notation table's rule "η only for the learning rate, α only for activation parameters" holds
  in the pages' prose.

Static checks of files (no kernel, no build): well under a second.
"""
import ast
import json
import re

import pytest

import course
from autograder import exercises

REPO = course.REPO
COURSE_PACKAGES = ("autograder.reference", "dnnbook")
SHARED = exercises.SHARED["figures"]        # dnnbook's drawing helpers belong to no chapter
toc_chapters = exercises.names


def cells(nb_path):
    return json.loads(nb_path.read_text())["cells"]


def imported_modules(source):
    """Fully qualified course modules imported by Python source (module- or function-level)."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            mod = node.module if node.level == 0 else "dnnbook." + node.module
            if node.level and node.module is None:
                mod = "dnnbook"
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m.startswith(COURSE_PACKAGES)}


def module_file(mod):
    if mod.startswith("dnnbook."):
        return REPO / "book" / "dnnbook" / (mod.split(".")[1] + ".py")
    if mod.startswith("autograder.reference."):
        return REPO / "autograder" / "reference" / (mod.split(".")[2] + ".py")
    return None


def chapter_of(mod):
    parts = mod.split(".")
    name = parts[1] if mod.startswith("dnnbook.") else parts[2] if mod.startswith("autograder.reference.") else None
    return None if name in SHARED else name


def closure(mods):
    """The modules reached from ``mods`` by following course modules' own imports."""
    seen, todo = set(), list(mods)
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        f = module_file(m)
        if f is not None and f.exists():
            todo.extend(imported_modules(f.read_text()))
    return seen


def code_of(nb_path):
    src = []
    for c in cells(nb_path):
        if c["cell_type"] == "code":
            lines = [l for l in "".join(c["source"]).splitlines() if not l.lstrip().startswith(("%", "!"))]
            src.append("\n".join(lines))
    return "\n".join(src)


def test_the_three_chapter_lists_agree():
    chapters = toc_chapters()
    six = ["learning_types", "activations", "chain_rule", "computation_graphs", "xor", "two_layer_net"]
    assert chapters[:6] == six                          # chain rule before computation graphs
    intro = (REPO / "book" / "intro.md").read_text()
    listed = re.findall(r"^\| (\d+) \| \[[^\]]+\]\((\w+)\.ipynb\)", intro, flags=re.M)
    assert [name for _, name in listed] == chapters[:len(listed)] and len(listed) >= 6
    assert [int(n) for n, _ in listed] == list(range(1, len(listed) + 1))
    readme = (REPO / "README.md").read_text()
    rows = re.findall(r"^\| (\d+) \| `book/(\w+)\.ipynb`", readme, flags=re.M)
    assert [name for _, name in rows] == chapters[:len(rows)] and len(rows) >= 6
    assert [int(n) for n, _ in rows] == list(range(1, len(rows) + 1))


def test_no_chapter_uses_a_later_chapters_module():
    chapters = toc_chapters()
    rank = {name: i for i, name in enumerate(chapters)}
    problems = []
    for i, name in enumerate(chapters):
        sources = [REPO / "book" / f"{name}.ipynb", REPO / "solutions" / name / f"{name}.ipynb"]
        mods = set()
        for path in sources:
            if path.exists():
                mods |= imported_modules(code_of(path))
        for m in closure(mods):
            owner = chapter_of(m)
            if owner in rank and rank[owner] > i:
                problems.append(f"chapter {i + 1} ({name}) uses {m}, which belongs to chapter "
                                f"{rank[owner] + 1} ({owner})")
    assert not problems, "\n".join(problems)


def test_the_checker_sees_a_late_import():
    """The check above is not vacuous: a reference to a later chapter's module is found."""
    mods = closure(imported_modules("from dnnbook import xor as dx\nimport numpy as np"))
    assert "autograder.reference.xor" in mods and chapter_of("dnnbook.xor") == "xor"
    assert chapter_of("dnnbook.plots") is None


def markdown_of(name):
    return "\n".join("".join(c["source"]) for c in cells(REPO / "book" / f"{name}.ipynb")
                     if c["cell_type"] == "markdown")


def test_chapter_one_says_its_gradients_are_given_and_checked():
    md = markdown_of(toc_chapters()[0])
    assert "given and checked numerically" in md


@pytest.mark.parametrize("name", toc_chapters())
def test_every_chapter_ends_with_self_check_and_further_reading(name):
    md = markdown_of(name)
    assert "## Self-check" in md and "## Further reading" in md, name
    block = md[md.index("## Self-check"):md.index("## Further reading")]
    questions = re.findall(r"^\d+\. ", block, flags=re.M)
    answers = re.findall(r"```\{admonition\} Answer\n:class: dropdown\n", block)
    assert len(questions) >= 4 and len(answers) == len(questions), name
    reading = md[md.index("## Further reading"):]
    assert len(re.findall(r"^\* ", reading, flags=re.M)) >= 3, name
    assert md.index("## Self-check") < md.index("## Exercises"), name


def test_every_chapter_in_the_toc_is_checked():
    """The parametrised checks above take the chapter list from _toc.yml, not a fixed slice."""
    assert toc_chapters()[0] == "learning_types" and {"deep_networks", "training"} <= set(toc_chapters())


def test_eta_is_the_learning_rate_and_alpha_an_activation_parameter():
    for name in toc_chapters():
        md = markdown_of(name)
        for m in re.finditer(r"(learning rate|step size)[^.]{0,30}\\alpha", md):
            raise AssertionError(f"{name}: α used as a learning rate: {m.group(0)!r}")
        for m in re.finditer(r"\\eta\s*=\s*[^$]*\$[^.]{0,30}(slope|alpha|activation)", md):
            raise AssertionError(f"{name}: η used for something else: {m.group(0)!r}")
    intro = (REPO / "book" / "intro.md").read_text()
    assert "the learning rate (step size) — and nothing else" in intro
    assert "**of an activation function**" in intro


@pytest.mark.parametrize("name", toc_chapters())
def test_exercise_docstrings_state_contracts_and_formulas_sit_behind_hints(name):
    """Derived, not transcribed: no answer cell's docstring hands out a derivative, and every
    exercise has collapsed hints (<details>) for the learner to open on purpose."""
    formula = re.compile(r"dout\s*[*·]|[*·]\s*dout|\(1\s*[-−]\s*\w+\)|Ŷ\s*[-−]\s*T|exp\(x\)\s*$|x \*\* \(p")
    nb = cells(REPO / "solutions" / name / f"{name}.ipynb")
    answers = [c for c in nb if c["cell_type"] == "code" and "BEGIN SOLUTION" in "".join(c["source"])]
    assert answers, name
    for c in answers:
        for doc in re.findall(r'"""(.*?)"""', "".join(c["source"]), flags=re.S):
            assert not formula.search(doc), f"{name}: docstring gives a formula: {doc!r}"
    md = "\n".join("".join(c["source"]) for c in nb if c["cell_type"] == "markdown")
    assert md.count("<details>") == md.count("</details>") >= 1, name
    assert md.count("<summary>Hint") == md.count("<details>"), name


def math_of(name):
    """Every inline and display formula of a chapter's Markdown, in order."""
    return re.findall(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", markdown_of(name), flags=re.S)


#: The symbols whose second meanings the review found (T, L, H, N, a, g, δ, v), each with the
#: notation table's row and the forms a second meaning takes on a page. A pattern is searched in
#: every formula of every chapter (``formula``) or in the Markdown around them (``prose``).
NOTATION = [
    ("| $T = \\mathrm{onehot}(y)$", "formula", r"/\s*T\b|x_T\b|\^\{?T\}|\\sum_\{t=1\}\^\{?T", "T is the one-hot targets only (temperature is τ)"),
    ("| $L$ | the loss", "formula", r"\\delta_L\b|Z_L\b|D_\{?L\b|D_\{L-1\}|\(l < L\)|l = L-1", "L is the loss only (depth is M)"),
    ("| $L$ | the loss", "prose", r"\$L\$-layer|after \$L\$ layers|\$L\$ weight matrices", "L is the loss only (depth is M)"),
    ("hidden units", "formula", r"(?<!\\mathcal )(?<![\\a-zA-Z])H\(q", "H is the hidden units only (entropy is 𝓗)"),
    ("| $N$, $D$, $H$, $C$, $K$ |", "formula", r"a_N\b|\^\{?N\}\s*w_l|\\prod_\{l=1\}\^\{?N", "N counts examples only (depth is M)"),
    ("| $a = f(z)$", "formula", r"(?<![\\a-zA-Z_])a\s*x\s*&|^a = 0\.\d|^a = [01]$", "a is an activation only (an activation's slope is α)"),
    ("| $a = f(z)$", "prose", r"slope \$a\$|The slope \$a\$", "a is an activation only (an activation's slope is α)"),
    ("| $\\kappa$ | the gain", "formula", r"(?<![\\a-zA-Z])g\^2\s*/\s*n|(?<![\\a-zA-Z])g\s*=\s*(1|\\sqrt|2)\b.*gain|(?<![\\a-zA-Z])g\\,W", "g is a gradient only (the gain is κ)"),
    ("| $\\kappa$ | the gain", "prose", r"\*\*gain\*\* \$g\$|gain \$g\$|gain g\b", "g is a gradient only (the gain is κ)"),
    ("| $\\mathbb 1[i = j]$", "formula", r"\\delta_\{?ij", "δ is the error signal only (the Kronecker delta is 𝟙[i = j])"),
    ("| $u$; $m$, $v$ |", "formula", r"v\s*\\leftarrow\s*\\mu\s*v|w\s*\\leftarrow\s*w\s*\+\s*v\b", "v is Adam's second moment only (momentum's velocity is u)"),
    ("| $u$; $m$, $v$ |", "formula", r"(?<![\\\w])u\s*\\to\s*v\b|\\partial f/\\partial v\b", "u and v are momentum's velocity and Adam's second moment only (not generic graph nodes)"),
    ("| $u$; $m$, $v$ |", "prose", r"node\** \$v\$|edge\** \$u", "u and v are momentum's velocity and Adam's second moment only (not generic graph nodes)"),
    # chapter 4's generic operation: inputs x₁, x₂ and output o; a and b stay an activation and a bias
    ("| $x_1$, $x_2$; $o$ |", "formula", r"\\max\(\s*a\s*,|\\max\([^()]*,\s*b\s*\)|(?<![\\\w])a\s*(\+|\\,|\\cdot|=)\s*b(?![\w'])|(?<![\\\w])a\s*=\s*-?\d+$", "an operation's inputs are x₁, x₂ (a is an activation, b a bias)"),
    ("| $x_1$, $x_2$; $o$ |", "prose", r"inputs \$a, b\$|\$a\$ used twice|\$[ab]\$(, the winner,)? receives|`a\.grad", "an operation's inputs are x₁, x₂ (a is an activation, b a bias)"),
]


def test_every_symbol_of_the_notation_table_keeps_its_meaning_on_every_page():
    """intro.md promises "a symbol listed here means the same thing on every page": the table
    lists each symbol the review found with two meanings, and no chapter in _toc.yml uses one of
    them in its other meaning (review finding N)."""
    intro = (REPO / "book" / "intro.md").read_text()
    assert "A symbol listed here means the same thing on every page." in intro
    problems = []
    for row, where, pattern, rule in NOTATION:
        assert row in intro, f"notation table lacks {row!r}"
        for name in toc_chapters():
            texts = ([d or i for d, i in math_of(name)] if where == "formula"
                     else [markdown_of(name)])
            for t in texts:
                for m in re.finditer(pattern, t, flags=re.M):
                    problems.append(f"{name}: {rule}: {t[max(0, m.start() - 30):m.end() + 30]!r}")
    assert not problems, "\n".join(problems)


def test_the_notation_check_finds_a_second_meaning():
    """The check above is not vacuous: each kind of second meaning the review quoted is found."""
    quoted = {"T": r"\frac{e^{z_i / T}}{\sum_j e^{z_j / T}}", "L": r"\delta_L = \frac{\hat Y - T}{N}",
              "H": r"H(q) = -\sum_c q_c \log q_c", "N": r"\frac{\partial a_N}{\partial x}",
              "a": r"a x & x \le 0", "g": r"\operatorname{Var}(W) = g^2 / n_\text{in}",
              "δ": r"p_i\,(\delta_{ij} - p_j)", "v": r"v \leftarrow \mu v - \eta g",
              "u → v": r"u \to v", "a, b as inputs": r"o = \max(a, b)", "a·b": r"o = a\,b + a",
              "a + b": r"o = a + b", "a = 3": "a = 3"}
    for symbol, formula in quoted.items():
        assert any(where == "formula" and re.search(pattern, formula, flags=re.M)
                   for _, where, pattern, _ in NOTATION), symbol
