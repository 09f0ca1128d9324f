"""``jupyter-book`` with Sphinx's parallel build: ``python book/_ext/jb_parallel.py build ...``.

Takes exactly the arguments of ``jupyter-book`` (it *is* Jupyter Book 1's command line) and only
adds ``jobs`` to the one Sphinx call it makes: Sphinx then reads -- and MyST-NB executes -- several
chapters at once, one process (and one kernel) each, and writes the pages in parallel. JB1's
command line has no ``-j`` (jupyter-book#1735; the PR adding it, #1955, was closed unmerged), but
its ``jupyter_book.sphinx.build_sphinx`` takes ``jobs=`` and passes it to Sphinx as ``parallel``.

An extension that does not declare ``parallel_read_safe`` makes Sphinx fall back to a serial
read with a warning, which ``--warningiserror`` turns into a failed build. The book's own
(``book/_ext/*``) declare it; the two of JB1's that do not are declared safe, with the reasons,
in ``course_assets.PARALLEL_READ_SAFE``; ``serial_extensions`` (tests/test_book_build.py) checks
that none is left.

``BOOK_JOBS`` sets the number of processes (default: the number of CPUs; 1 is the serial build).
"""
import functools
import os
import sys


def jobs() -> int:
    """Sphinx processes: ``BOOK_JOBS``, else one per CPU."""
    return int(os.environ.get("BOOK_JOBS") or os.cpu_count() or 1)


def serial_extensions(source=".") -> list[str]:
    """The extensions of the book's Sphinx application that would make a parallel build read or
    write serially (with a warning); ``[]`` when none. Sets up Sphinx without building: run it
    in its own process (the course's extensions set environment variables for the kernels)."""
    import io
    import tempfile
    from pathlib import Path

    from jupyter_book.config import get_final_config
    from jupyter_book.sphinx import patch_docutils
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace

    source = Path(source).resolve()
    config, _ = get_final_config(user_yaml=source / "_config.yml", sourcedir=source,
                                 cli_config={"latex_individualpages": False})
    config.pop("latex_doc_overrides", None)
    with tempfile.TemporaryDirectory() as out, patch_docutils(None), docutils_namespace():
        app = Sphinx(str(source), None, f"{out}/html", f"{out}/doctrees", "html",
                     confoverrides=config, status=None, warning=io.StringIO(), parallel=2)
        return sorted(name for name, ext in app.extensions.items()
                      if not ext.parallel_read_safe or not ext.parallel_write_safe)


def main(argv=None):
    import jupyter_book.sphinx as jb_sphinx
    from jupyter_book.cli.main import main as jupyter_book

    # `jupyter-book build` imports build_sphinx from jupyter_book.sphinx when it runs
    jb_sphinx.build_sphinx = functools.partial(jb_sphinx.build_sphinx, jobs=jobs())
    return jupyter_book(args=argv, prog_name="jupyter-book")


if __name__ == "__main__":
    sys.exit(main())
