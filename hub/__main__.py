"""``python -m hub`` (what ``make hub`` runs): check that it can work, prepare the state folder
(``hub/state.py``) and replace itself with ``jupyterhub -f hub/jupyterhub_config.py``, run in the
state folder (where the proxy's pid file goes)."""
from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

from jupyterhub.utils import random_port

from hub import settings, state

CONFIG = Path(__file__).resolve().parent / "jupyterhub_config.py"


def problems() -> list[str]:
    out = []
    if os.geteuid() != 0:
        out.append("the hub must run as root: it creates one OS user per learner and starts each "
                   "learner's server as that user (sudo make hub)")
    for tool, package in (("bwrap", "bubblewrap"), ("setpriv", "util-linux"), ("useradd", "passwd")):
        if not shutil.which(tool):
            out.append(f"{tool} is missing (Debian/Ubuntu: apt-get install {package})")
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv in (["check"],):
        found = problems()
        print("\n".join(found) or "ok")
        return 1 if found else 0
    found = problems()
    if found:
        print("make hub: cannot start:\n  " + "\n  ".join(found), file=sys.stderr)
        return 2
    s = settings.load()
    if s.port == 0:                               # HUB_PORT=0: a free port, said here
        os.environ["HUB_PORT"] = str(random_port())
        s = settings.load()
    state.prepare(s)
    for var in ("HUB_INTERNAL_PORT", "HUB_PROXY_API_PORT", "HUB_FORMGRADER_PORT"):
        os.environ.setdefault(var, str(random_port()))
    print(f"The course hub: {s.public_url} (state in {s.state}; admin {s.admin!r} signs up first)", flush=True)
    os.chdir(s.state)
    # a hub started from a background job inherits SIGINT ignored, and so would every server and
    # service it starts: the hub stops them with SIGINT and then waits 30 s for each
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    exe = str(Path(sys.executable).parent / "jupyterhub")
    os.execv(exe, [exe, "-f", str(CONFIG), *argv])


if __name__ == "__main__":
    sys.exit(main())
