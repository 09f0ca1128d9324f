"""A Content-Security-Policy for formgrader's submission view, the page that shows a student's
notebook to the instructor (``/formgrader/submissions/<id>/``).

That page needs nbgrader's scripts (same origin), two inline ``<script>`` blocks in its
``<head>`` (nbgrader's template) and MathJax from cdnjs; everything a student wrote is in the
``<body>``. The policy gives each ``<script>`` of the head a fresh nonce and allows only those,
same-origin files and MathJax's folder: an inline script or event handler in the body never
runs, even if it got past the HTML allow-list (``autograder/sanitize.py``). The name toggle that
nbgrader wires with ``onclick`` attributes is re-wired by the course's formgrade template.

Other formgrader pages use inline event handlers and show no student HTML: they keep Jupyter's
default policy. Installed in every Jupyter server that loads the course's nbgrader configuration
(:func:`install`, called from ``autograder/hook.py``) as a Tornado output transform.
"""
from __future__ import annotations

import re
import secrets

from tornado.web import OutputTransform

PAGES = re.compile(r"/formgrader/submissions/[^/]+/?$")
MATHJAX = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/"


def policy(nonce: str) -> str:
    return ("default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}' 'unsafe-eval' {MATHJAX}; "
            f"style-src 'self' 'unsafe-inline' {MATHJAX}; font-src 'self' data: {MATHJAX}; "
            "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'self'")


class SubmissionPageCSP(OutputTransform):
    def __init__(self, request):
        self.applies = bool(PAGES.search(request.path or ""))

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        if not self.applies or not headers.get("Content-Type", "").startswith("text/html"):
            return status_code, headers, chunk
        nonce = secrets.token_urlsafe(18)
        if finishing:            # the whole page: nonces for the scripts before <body>
            head, sep, body = chunk.partition(b"<body")
            head = re.sub(rb"<script(?=[\s>])", b'<script nonce="' + nonce.encode() + b'"', head)
            chunk = head + sep + body
            if "Content-Length" in headers:
                headers["Content-Length"] = str(len(chunk))
        # (streamed in parts: no nonce is handed out, no inline script runs at all)
        headers["Content-Security-Policy"] = policy(nonce)
        return status_code, headers, chunk


def install(web_app) -> bool:
    """Add the transform to a Tornado application once (first, before any compression)."""
    if SubmissionPageCSP not in web_app.transforms:
        web_app.transforms.insert(0, SubmissionPageCSP)
    return True


def install_in_running_server() -> bool:
    """Install in this process's Jupyter server, if there is one with a web application."""
    import sys
    if "jupyter_server.serverapp" not in sys.modules:
        return False
    from jupyter_server.serverapp import ServerApp
    if not ServerApp.initialized():
        return False
    web_app = getattr(ServerApp.instance(), "web_app", None)
    return install(web_app) if web_app is not None else False
