"""Local Sphinx extension: make ``jupyter-book build .`` self-sufficient and offline-clean.

What it does (registered in ``_config.yml`` under ``sphinx: local_extensions``):

* sets ``DNNBOOK_WIDGETS=static`` so the kernels that execute the chapters
  precompute every slider frame (kernel-free widgets on the static site), and
  gives each kernel one BLAS thread;
* publishes the frames of the sliders' phone layout, which the kernels write as files
  (``_build/.dnn-frames/``), under ``_static/dnn-frames/`` and points the pages at them;
* makes sure the vendored JavaScript (MathJax 3, require.js and the ipywidgets
  HTML manager) exists in ``book/_vendor/`` (gitignored).  Missing pieces are
  downloaded once from the npm registry as exact, sha512-verified tarballs and
  only the files the site needs are extracted (atomically);
* drops sphinx-thebe's page script, which would reference a CDN;
* tells the widget manager where its icon fonts live (``_static/html-manager/``)
  on pages that embed widgets;
* loads MathJax only on pages that have a formula of their own;
* adds the course's CSS/JS (``book/_static/dnnbook.css``/``.js``) to every page;
* replaces the theme's 1.5 MB Font Awesome bundle by the few icons the site uses;
* shows each cell's printed output as it was written, however the kernel cut it into
  chunks (``join_stream_chunks``);
* declares the two extensions JB1 loads without saying whether they are parallel-read
  safe (they are: ``PARALLEL_READ_SAFE``).

Fetch the assets explicitly with ``python book/_ext/course_assets.py``
(or ``make assets``).  ``NPM_CONFIG_REGISTRY`` selects another npm registry
(mirror); proxies come from the usual ``HTTPS_PROXY``/``NO_PROXY`` variables.
"""
from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import itertools
import os
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parents[1] / "_vendor"  # book/_vendor


@dataclass(frozen=True)
class Asset:
    package: str  # npm name
    version: str  # exact version
    integrity: str  # `npm view <package>@<version> dist.integrity`
    dest: str  # directory under book/_vendor (= _static/<dest> on the site)
    strip: str  # tarball prefix removed from the kept paths
    keep: tuple[str, ...]  # fnmatch patterns (relative to `strip`) to extract
    sentinel: str  # a file (relative to dest) that must exist when complete

    @property
    def tarball(self) -> str:
        base = self.package.split("/")[-1]
        return f"{self.package}/-/{base}-{self.version}.tgz"

    @property
    def stamp(self) -> str:
        return f"{self.package}@{self.version} {self.integrity}\n"


ASSETS = (
    # The version ipywidgets 8.1.9 / jupyterlab_widgets 3.0.17 is built against
    # (@jupyter-widgets/controls ^5.0.13); it renders Stack and jslink statically.
    Asset(
        "@jupyter-widgets/html-manager", "1.0.15",
        "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        dest="html-manager", strip="package/dist/",
        keep=("embed-amd.js", "*.woff2"), sentinel="embed-amd.js",
    ),
    Asset(
        "requirejs", "2.3.7",
        "sha512-DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw==",
        dest="requirejs", strip="package/", keep=("require.js",), sentinel="require.js",
    ),
    # Pruned to the CHTML combined component, its woff2 fonts and the TeX
    # extensions that `autoload` pulls in on demand (\boldsymbol, \cancel, ...).
    Asset(
        "mathjax", "3.2.2",
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        dest="mathjax", strip="package/es5/",
        keep=("tex-mml-chtml.js", "output/chtml/fonts/woff-v2/*.woff", "input/tex/extensions/*.js"),
        sentinel="tex-mml-chtml.js",
    ),
)


class AssetError(RuntimeError):
    pass


def _registry() -> str:
    return (os.environ.get("NPM_CONFIG_REGISTRY") or os.environ.get("npm_config_registry")
            or "https://registry.npmjs.org/").rstrip("/") + "/"


def _is_current(asset: Asset, vendor: Path) -> bool:
    d = vendor / asset.dest
    try:
        return (d / ".stamp").read_text() == asset.stamp and (d / asset.sentinel).is_file()
    except OSError:
        return False


def _download(asset: Asset) -> bytes:
    url = _registry() + asset.tarball
    try:
        with urllib.request.urlopen(url, timeout=120) as resp:  # honours *_PROXY
            data = resp.read()
    except (urllib.error.URLError, OSError) as exc:
        raise AssetError(
            f"course_assets: cannot download {asset.package}@{asset.version} from {url}: {exc}. "
            "The book serves MathJax/require.js/ipywidgets JS from book/_vendor/, fetched once "
            "from the npm registry. Check network/proxy settings (HTTPS_PROXY) or set "
            "NPM_CONFIG_REGISTRY to a reachable npm mirror, then retry "
            "`python book/_ext/course_assets.py`."
        ) from exc
    algo, _, want = asset.integrity.partition("-")
    got = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if got != want:
        raise AssetError(
            f"course_assets: integrity mismatch for {url}: expected {asset.integrity}, got {algo}-{got}"
        )
    return data


def _install(asset: Asset, data: bytes, vendor: Path) -> int:
    """Extract the kept files into vendor/<dest> atomically; return bytes written."""
    vendor.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{asset.dest}-", dir=vendor))
    tmp.chmod(0o755)  # mkdtemp makes it 0700
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for m in tar.getmembers():
                if not (m.isfile() and m.name.startswith(asset.strip)):
                    continue
                rel = m.name[len(asset.strip):]
                if ".." in rel.split("/") or not any(fnmatch.fnmatchcase(rel, p) for p in asset.keep):
                    continue
                out = tmp / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(tar.extractfile(m).read())
                total += m.size
        if not (tmp / asset.sentinel).is_file():
            raise AssetError(f"course_assets: {asset.sentinel} not found in {asset.tarball}")
        (tmp / ".stamp").write_text(asset.stamp)
        final = vendor / asset.dest
        old = None
        if final.exists():
            old = vendor / f".old-{asset.dest}-{os.getpid()}"
            os.replace(final, old)
        os.replace(tmp, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return total


def ensure_assets(vendor: Path = VENDOR_DIR, log=print) -> None:
    """Download and extract every asset that is missing or outdated."""
    for asset in ASSETS:
        if _is_current(asset, vendor):
            continue
        log(f"course_assets: fetching {asset.package}@{asset.version} -> {vendor / asset.dest}")
        size = _install(asset, _download(asset), vendor)
        log(f"course_assets: {asset.package}@{asset.version}: {size / 1e6:.2f} MB extracted")


# ---------------------------------------------------------------- Sphinx hooks
# On pages with widgets, before require.js loads: the HTML manager's webpack
# publicPath (where its icon fonts live) is derived from the AMD module URI of
# "@jupyter-widgets/html-manager/dist/...", so map that id to _static/html-manager
# (a global `require` object is require.js's documented pre-load config).
_WIDGETS_JS = (
    "(function () { var root = new URL((document.documentElement.dataset.content_root"
    " || '') + '_static/html-manager/', document.baseURI).href;"
    " window.__jupyter_widgets_assets_path__ = root;"
    " if (typeof window.require === 'undefined') { window.require = {paths:"
    " {'@jupyter-widgets/html-manager/dist': root.slice(0, -1)}}; } })();"
)


def _drop_mathjax_without_math(app, pagename) -> None:
    # sphinx.ext.mathjax loads MathJax (1.2 MB + fonts) on a page whose toctree merely
    # *includes* pages with math (the root page lists every chapter); keep it only where the
    # page itself has a formula.
    if app.env.get_domain("math").data.get("has_equations", {}).get(pagename):
        return
    files = app.builder._js_files  # the list Sphinx hands to this page's template
    files[:] = [js for js in files
                if "mathjax" not in str(js.filename or "") and
                "window.MathJax" not in (js.attributes.get("body") or "")]


def _page_context(app, pagename, templatename, context, doctree) -> None:
    if app.builder.format != "html":
        return
    _drop_mathjax_without_math(app, pagename)
    try:
        from myst_nb.sphinx_ext import NbMetadataCollector

        files = NbMetadataCollector.get_js_files(app.env, pagename)
    except Exception:
        return
    if any(path and "embed-amd" in path for path, _ in files.values()):
        app.add_js_file(None, body=_WIDGETS_JS, priority=200)


#: Jupyter Book's default ``repository.url``: buttons must never point there.
JB_DEFAULT_REPOSITORY = "https://github.com/executablebooks/jupyter-book"


def check_repository(theme_options: dict) -> str | None:
    """An error message when repository or launch buttons are on but ``repository.url`` in
    ``_config.yml`` is still Jupyter Book's default; else None."""
    opts = theme_options or {}
    launch = opts.get("launch_buttons") or {}
    wants = [k for k in ("use_repository_button", "use_issues_button", "use_edit_page_button")
             if opts.get(k)] + [k for k in ("binderhub_url", "jupyterhub_url", "colab_url")
                                if launch.get(k)]
    url = (opts.get("repository_url") or "").rstrip("/")
    if wants and url in ("", JB_DEFAULT_REPOSITORY):
        return (f"_config.yml turns on {', '.join(wants)} but repository.url is "
                f"{url or 'empty'}: set it to the course's repository")
    return None


def _config_inited(app, config) -> None:
    # Runs before Sphinx checks that html_static_path entries exist.
    from sphinx.errors import ExtensionError
    from sphinx.util import logging

    problem = check_repository(config.html_theme_options)
    if problem:
        raise ExtensionError(problem)

    try:
        ensure_assets(Path(app.confdir) / "book" / "_vendor", log=logging.getLogger(__name__).info)
    except AssetError as exc:
        raise ExtensionError(str(exc)) from exc


def _builder_inited(app) -> None:
    # sphinx-thebe (always loaded by JB1) injects a script naming a CDN URL on
    # every page; the course never launches thebe, so drop that handler.
    for listeners in app.events.listeners.values():
        for lst in list(listeners):
            if getattr(lst.handler, "__module__", "") == "sphinx_thebe" and \
                    lst.handler.__name__ == "init_thebe_core":
                app.disconnect(lst.id)


# ---------------------------------------------------------------- icons
# pydata-sphinx-theme loads Font Awesome's complete SVG/JS bundle (1.5 MB, every icon) on every
# page to draw the dozen icons of the page chrome (☰, search, contents, download, …). After the
# build, each page loads instead _static/dnnbook-icons.js: the icons the site uses, taken from
# that same bundle, drawn as the same inline <svg class="svg-inline--fa …"> (CSS in dnnbook.css).
_FA_TAG = re.compile(r'<script defer src="([^"]*?)_static/scripts/fontawesome\.js\?digest=\w+"></script>')
_FA_CLASS = re.compile(r'\bfa-([a-z0-9-]+)')
_ICONS_JS = """/* The Font Awesome (solid) icons this site uses; generated by book/_ext/course_assets.py. */
(function () {
  var ICONS = %s, NS = "http://www.w3.org/2000/svg";
  function swap() {
    document.querySelectorAll(".fa-solid, .fas").forEach(function (el) {
      if (el.namespaceURI === NS) return;
      var name = null;
      el.classList.forEach(function (c) { if (c.indexOf("fa-") === 0 && ICONS[c.slice(3)]) name = c.slice(3); });
      if (!name) return;
      var d = ICONS[name], svg = document.createElementNS(NS, "svg"), path = document.createElementNS(NS, "path");
      for (var i = 0; i < el.attributes.length; i++) svg.setAttribute(el.attributes[i].name, el.attributes[i].value);
      svg.setAttribute("class", el.getAttribute("class") + " svg-inline--fa");
      svg.setAttribute("viewBox", "0 0 " + d[0] + " " + d[1]);
      svg.setAttribute("aria-hidden", "true");
      svg.setAttribute("focusable", "false");
      path.setAttribute("fill", "currentColor");
      path.setAttribute("d", d[2]);
      svg.appendChild(path);
      el.replaceWith(svg);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", swap); else swap();
})();
"""


def solid_icons(bundle: str) -> dict:
    """``{name: [width, height, path]}`` of the solid icon pack in Font Awesome's JS bundle (the
    pack that defines the digit icons; the regular pack has none)."""
    start = bundle.index('{0:[320,512,[],"30",')
    end = bundle.index("addPack", start)
    icon = re.compile(r'[{,]"?([a-z0-9-]+)"?:\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]+","([^"]+)"\]')
    return {m[1]: [int(m[2]), int(m[3]), m[4]] for m in icon.finditer(bundle, start, end)}


def _replace_fontawesome(app, exception) -> None:
    import json

    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    bundle = out / "_static" / "scripts" / "fontawesome.js"
    pages = sorted(out.rglob("*.html"))
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    if not bundle.is_file() or not any(_FA_TAG.search(t) for t in texts.values()):
        return  # another theme version: leave it alone
    icons = solid_icons(bundle.read_text(encoding="utf-8"))
    used = set().union(*(_FA_CLASS.findall(t) for t in texts.values()))
    subset = {n: icons[n] for n in sorted(used) if n in icons}
    (out / "_static" / "dnnbook-icons.js").write_text(
        _ICONS_JS % json.dumps(subset, separators=(",", ":")), encoding="utf-8")
    for page, text in texts.items():
        new = _FA_TAG.sub(r'<script defer src="\1_static/dnnbook-icons.js"></script>', text)
        if new != text:
            page.write_text(new, encoding="utf-8")


#: The environment of the kernels that execute the chapters (set in the build's own process,
#: which they inherit; benchmarks/notebook_times.py uses it too): every slider frame drawn at
#: build time, and one BLAS thread per kernel, as in the grader (autograder/grade/cli.py) --
#: `make book` already runs one kernel per core, and OpenBLAS threads competing for the same
#: cores spin (book/training: 25 s of CPU with its default threads, 15 s with one; the
#: page's numbers are the same).
KERNEL_ENV = {"DNNBOOK_WIDGETS": "static",
              "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _prewarm_matplotlib() -> None:
    # The first matplotlib import on a fresh machine prints "building the font
    # cache" to stderr; do it here so no notebook output carries that stderr.
    try:
        import matplotlib.font_manager  # noqa: F401
    except Exception:  # matplotlib missing or broken: the notebooks will say so
        pass


#: Extensions Jupyter Book 1 loads that do not declare ``parallel_read_safe`` (Sphinx then
#: reads serially with a warning, an error under --warningiserror, while `make book` runs Sphinx
#: in parallel: book/_ext/jb_parallel.py), and why each one is safe. Neither keeps state of its
#: own in the build environment, so there is nothing to merge after a parallel read.
PARALLEL_READ_SAFE = {
    # loaded by sphinx-external-toc 1.1 (executablebooks/sphinx-multitoc-numbering#27,
    # sphinx-external-toc#115): replaces TocTreeCollector.assign_section_numbers, which Sphinx
    # calls in the main process after the parallel reads are merged
    "sphinx_multitoc_numbering": "numbers sections after the reads, in the main process",
    # its transforms only edit the document being read (and only matter to the LaTeX builder)
    "sphinx_jupyterbook_latex": "per-document transforms only",
}


def _declare_parallel_read_safe(app, config=None) -> None:
    # on config-inited: JB1 loads sphinx_jupyterbook_latex after the local extensions
    for name in PARALLEL_READ_SAFE:
        ext = app.extensions.get(name)
        if ext is not None and ext.parallel_read_safe is None:
            ext.parallel_read_safe = True


def join_stream_chunks(outputs: list) -> list:
    """A cell's outputs with each stream's chunks joined exactly as they were written (copies:
    the notebook's own outputs are left alone).

    The kernel sends what a cell prints in chunks, cut wherever its periodic flush happens to
    fall -- in the middle of a line when the kernel is descheduled between two writes of one
    ``print``, which is likelier while other kernels share the cores (a parallel build).
    MyST-NB's ``merge_streams`` (``myst_nb.core.utils.coalesce_streams``) strips every chunk
    and adds a newline after it, so such a line was shown broken in two; joined first, the page
    shows what was printed however it was cut.
    """
    from nbformat import NotebookNode

    joined, first = [], {}
    for out in outputs:
        if out.get("output_type") == "stream":
            if out["name"] in first:
                first[out["name"]]["text"] += out["text"]
                continue
            out = first[out["name"]] = NotebookNode(out)
        joined.append(out)
    return joined


def _merge_streams_as_written() -> None:
    try:
        from myst_nb.core import render
    except ImportError:
        return
    coalesce = render.coalesce_streams
    if not getattr(coalesce, "joins_chunks", False):
        def coalesce_joined(outputs):
            return coalesce(join_stream_chunks(outputs))

        coalesce_joined.joins_chunks = True
        render.coalesce_streams = coalesce_joined


#: CPU seconds each page takes to execute (``benchmarks/notebook_times.py --chapters-only``, one
#: BLAS thread, 2026-11-30). Only used to order the pages for a parallel read; a page not listed
#: counts as 5 s. Stale figures make the build slower, never wrong.
EXECUTION_SECONDS = {"book/activations": 31.9, "book/training": 15.4, "book/chain_rule": 11.9,
                     "book/xor": 10.2, "book/deep_networks": 10.0, "book/two_layer_net": 9.4,
                     "book/learning_types": 8.1, "book/computation_graphs": 8.0, "book/intro": 0.1,
                     "book/normalization": 10.0}


def _makespan(chunks, nproc):
    """When the last process finishes: the first ``nproc`` chunks start at once, each later one
    on the process that is free first (how Sphinx's ParallelTasks hands them out)."""
    busy = sorted(sum(EXECUTION_SECONDS.get(d, 5.0) for d in c) for c in chunks[:nproc])
    for c in chunks[nproc:]:
        busy[0] += sum(EXECUTION_SECONDS.get(d, 5.0) for d in c)
        busy.sort()
    return busy[-1] if busy else 0.0


def _balance_parallel_read(app, env, docnames):
    """Sphinx reads (and MyST-NB executes) the pages in chunks of consecutive docnames, one
    chunk per process at a time, in alphabetical order — which put the four slowest chapters in
    one chunk (51 s while the other process idled 10 s). Reorder ``docnames`` in place so the
    processes finish together: swap pages between chunks while that shortens the build."""
    from sphinx.util.parallel import make_chunks

    nproc = app.parallel
    if nproc <= 1 or len(docnames) <= 5:                  # Sphinx reads serially then
        return
    order = sorted(docnames, key=lambda d: -EXECUTION_SECONDS.get(d, 5.0))
    sizes = [len(c) for c in make_chunks(order, nproc)]
    chunks, start = [], 0
    for n in sizes:
        chunks.append(order[start:start + n])
        start += n
    improved = True
    while improved:
        improved = False
        best = _makespan(chunks, nproc)
        for i, j in itertools.combinations(range(len(chunks)), 2):
            for a, b in itertools.product(range(len(chunks[i])), range(len(chunks[j]))):
                chunks[i][a], chunks[j][b] = chunks[j][b], chunks[i][a]
                if _makespan(chunks, nproc) < best - 1e-9:
                    best, improved = _makespan(chunks, nproc), True
                else:
                    chunks[i][a], chunks[j][b] = chunks[j][b], chunks[i][a]
    docnames[:] = [d for c in chunks for d in c]


def _frames_folder(app) -> Path:
    """Where the kernels write the slider frames of the phone layout (dnnbook.widgets)."""
    return Path(app.outdir).parent / ".dnn-frames"


def _publish_phone_frames(app, exception) -> None:
    """Point each page's phone-layout frames (the placeholder URLs ``dnnbook-frame:<name>`` in
    its widget state) at ``_static/dnn-frames/<name>``, and make that folder hold exactly the
    frames the pages refer to."""
    from dnnbook.widgets import FRAME_URL_PREFIX

    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    target = out / "_static" / "dnn-frames"
    used = set()
    for page in sorted(out.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if FRAME_URL_PREFIX in text:
            prefix = "../" * (len(page.relative_to(out).parts) - 1) + "_static/dnn-frames/"
            text = text.replace(FRAME_URL_PREFIX, prefix)
            page.write_text(text, encoding="utf-8")
        used |= set(_FRAME_FILE.findall(text))
    missing = []
    for name in sorted(used):
        if not (target / name).is_file():
            if not (_frames_folder(app) / name).is_file():
                missing.append(name)
                continue
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_frames_folder(app) / name, target / name)
    for stale in set(p.name for p in target.glob("*.png")) - used if target.is_dir() else ():
        (target / stale).unlink()
    if missing:
        raise RuntimeError(f"{len(missing)} slider frames missing from {_frames_folder(app)}, "
                           f"e.g. {missing[0]}: rebuild with every notebook executed")


_FRAME_FILE = re.compile(r"_static/dnn-frames/([0-9a-f]{24}\.png)")


def setup(app):
    from dnnbook.widgets import FRAMES_DIR_VARIABLE

    os.environ.update(KERNEL_ENV)  # inherited by the executing kernels
    os.environ[FRAMES_DIR_VARIABLE] = str(_frames_folder(app))
    app.connect("env-before-read-docs", _balance_parallel_read)
    _merge_streams_as_written()
    app.connect("config-inited", _declare_parallel_read_safe)
    _prewarm_matplotlib()
    # The course's own CSS/JS (book/_static, on html_static_path): scroll cues for wide
    # outputs and equations, responsive sliders whose handles announce their value.
    app.add_css_file("dnnbook.css")
    app.add_js_file("dnnbook.js", loading_method="defer")
    app.connect("config-inited", _config_inited, priority=100)
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _page_context, priority=600)  # after myst-nb
    app.connect("build-finished", _replace_fontawesome)
    app.connect("build-finished", _publish_phone_frames)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    try:
        ensure_assets(Path(sys.argv[1]) if len(sys.argv) > 1 else VENDOR_DIR)
    except AssetError as exc:
        sys.exit(str(exc))
