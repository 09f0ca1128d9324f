"""The one rule for showing text that a submission controls (student ids, file names, grade ids,
messages, nbgrader's log): :func:`clean`. Every terminal line, log line, CSV cell and page goes
through it (pages are also HTML-escaped, by the templates' autoescape).

C0/C1 controls, DEL, bidi overrides and isolates, zero-width characters, line and paragraph
separators, the byte-order mark and lone surrogates are shown as ``\\xNN`` / ``\\uNNNN``; the rest
is NFC-normalised. ``ascii_only`` also escapes every other non-ASCII character (file names in
messages). :func:`writable` is the other direction: a JSON document nbgrader must be able to write
(lone surrogates become U+FFFD).
"""
from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text, keep_newlines=False, limit=None, ascii_only=False) -> str:
    """``text`` safe for a terminal, a log line or a CSV cell: at most ``limit`` characters of
    the original (then ``…`` when ``ascii_only``), unsafe characters escaped (see module doc)."""
    text = str(text)
    if ascii_only:
        text = ascii(text)[1:-1]
        return text if limit is None or len(text) <= limit else text[:limit] + "…"
    if limit is not None:
        text = text[:limit]
    if not _SURROGATE.search(text):
        text = unicodedata.normalize("NFC", text)

    def esc(m):
        ch = m.group()
        if keep_newlines and ch in "\n\t":
            return ch
        return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
    return _UNSAFE.sub(esc, text)


def shown(name, limit=80):
    """A file or id name as safe text: ASCII, no control characters, bounded."""
    return clean(name, limit=limit, ascii_only=True)


def writable(obj):
    """A JSON document (str/list/dict) with lone surrogates — valid JSON escapes, but not
    writable as UTF-8 — replaced by U+FFFD."""
    if isinstance(obj, str):
        return _SURROGATE.sub("\ufffd", obj)
    if isinstance(obj, list):
        return [writable(x) for x in obj]
    if isinstance(obj, dict):
        return {writable(k): writable(v) for k, v in obj.items()}
    return obj


def last_line(text, default="nbgrader autograde failed"):
    """The last non-empty line of ``text``, at most 300 characters (a one-line error)."""
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else default


# ---------------------------------------------------------------------------- hidden verdicts
#: A number printed with 3 or more decimals: in a hidden verdict it may be (or reveal) a hidden
#: input, e.g. a hidden slope in a check's detail ("between 0.149352·dout and 1·dout"), a ratio
#: in a hint, or an array the student's own exception message printed. The relative-error and
#: tolerance figures (``1.2e-03``) and counts/indices are kept.
_PRECISE_NUMBER = re.compile(r"(?<![\w.])[-+]?\d*\.\d{3,}(?:[eE][-+]?\d+)?")
_SHAPE = re.compile(r"(?:has|of) shape \([^)]*\)")


def redact_numbers(text):
    """Hidden verdicts are shown to the learner: replace precise numbers with ``…``."""
    return _PRECISE_NUMBER.sub("…", text)


def hidden_text(text):
    """A hidden verdict's text as shown to the learner: precise numbers redacted, and the
    shape the student's code returned (integers the code chose) replaced by words."""
    return redact_numbers(_SHAPE.sub(lambda m: m.group().split()[0] + " the wrong shape", text))
