"""autograder.grade.text: the one sanitiser, and the redaction of hidden verdicts."""
from autograder.grade.text import clean, hidden_text, last_line, redact_numbers, shown, writable


def test_clean_escapes_what_a_terminal_would_obey():
    assert clean("a\x1b[2Jb\x07\u202ec\ud800") == "a\\x1b[2Jb\\x07\\u202ec\\ud800"
    assert clean("zero\u200bwidth\ufeff") == "zero\\u200bwidth\\ufeff"
    assert clean("a\nb\tc") == "a\\x0ab\\x09c" and clean("a\nb\tc", keep_newlines=True) == "a\nb\tc"


def test_clean_normalises_and_bounds():
    assert clean("e\u0301") == "\u00e9"                      # NFC
    assert clean("\x1b" * 5, limit=2) == "\\x1b\\x1b"        # the limit counts original characters
    assert clean(clean("x\x1by")) == clean("x\x1by")        # idempotent: safe to apply twice


def test_shown_is_ascii_and_bounded():
    assert shown("caf\u00e9\x00.ipynb") == "caf\\xe9\\x00.ipynb"
    assert shown("x" * 100, limit=10) == "x" * 10 + "…"


def test_writable_replaces_lone_surrogates_everywhere():
    doc = {"a\ud800": ["b\udfff", {"c": "ok"}], "n": 1}
    assert writable(doc) == {"a\ufffd": ["b\ufffd", {"c": "ok"}], "n": 1}


def test_last_line():
    assert last_line("Traceback\n  ...\nValueError: bad\n\n") == "ValueError: bad"
    assert last_line("") == "nbgrader autograde failed" and len(last_line("x" * 999)) == 300


def test_hidden_text_redacts_precise_numbers_and_shapes():
    text = "relu: got 0.149352 (rel. error 1.2e-03) at index 3; your output has shape (7, 11)"
    assert hidden_text(text) == "relu: got … (rel. error 1.2e-03) at index 3; your output has the wrong shape"
    assert redact_numbers("-12.5 and 1.2345e-05") == "-12.5 and …"
