"""JupyterHub configuration of the course hub (``make hub`` runs ``python -m hub``, which prepares
the state folder and starts ``jupyterhub -f hub/jupyterhub_config.py`` as root).

Settings come from ``hub/course.toml`` (and the ``HUB_*`` variables, ``hub/settings.py``):

* sign-in: NativeAuthenticator — sign-up at ``/hub/signup``, approval by the admin at
  ``/hub/authorize``; the admin (``[course] admin``) is approved on sign-up;
* learners: ``hub.spawner.LearnerSpawner`` — JupyterLab as their own OS user, in a cgroup, in a
  bubblewrap view without the solutions or the hub's state, with the learner configuration (no
  instructor tools) and nbgrader's Assignments panel;
* instructors (the hub group ``[course] instructor_group``): the ``formgrader`` service, JupyterLab
  on the course folder with nbgrader's formgrader (nbgrader's "one class, one grader" setup);
  formgrader's Autograde runs the sandboxed grader;
* ``jupyterhub-idle-culler`` stops servers idle for ``[culler] timeout`` seconds;
* the proxy: ``configurable-http-proxy`` from PyPI (the Python implementation: no Node.js).
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jupyterhub.utils import random_port  # noqa: E402

from hub import settings as hub_settings  # noqa: E402

c = get_config()  # noqa: F821
S = hub_settings.load()
BIN = Path(sys.executable).parent


def port_from_env(name) -> int:
    """A port fixed for this run (``python -m hub`` sets them, so a restart keeps them)."""
    return int(os.environ.get(name) or random_port())


# ---------------------------------------------------------------- where it listens, what it keeps
c.JupyterHub.bind_url = f"http://{S.ip}:{S.port}/"
c.JupyterHub.public_url = S.public_url if os.environ.get("HUB_URL") else ""
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = port_from_env("HUB_INTERNAL_PORT")
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port_from_env('HUB_PROXY_API_PORT')}"
c.ConfigurableHTTPProxy.command = [str(BIN / "configurable-http-proxy")]
c.JupyterHub.db_url = f"sqlite:///{S.state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(S.state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(S.state / "jupyterhub.pid")

# ---------------------------------------------------------------- sign-in
c.JupyterHub.authenticator_class = "hub.auth.CourseAuthenticator"
c.CourseAuthenticator.open_signup = False            # every sign-up waits for the admin's approval
c.CourseAuthenticator.minimum_password_length = 8
c.CourseAuthenticator.check_common_password = True
c.CourseAuthenticator.allowed_failed_logins = 10
c.CourseAuthenticator.seconds_before_next_try = 60
c.Authenticator.allow_all = True                     # approval is the gate
c.Authenticator.admin_users = {S.admin}
import nativeauthenticator  # noqa: E402

c.JupyterHub.template_paths = [str(Path(nativeauthenticator.__file__).parent / "templates")]

# ---------------------------------------------------------------- learners' servers
c.JupyterHub.spawner_class = "hub.spawner.LearnerSpawner"
c.LearnerSpawner.settings = S
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 120                          # a loaded 2-core machine starts Lab slowly
c.Spawner.start_timeout = 180
c.Spawner.mem_limit = S.memory                        # shown to the server; enforced by the cgroup
c.Spawner.cpu_limit = S.cpu

# ---------------------------------------------------------------- instructors: formgrader service
FORMGRADER_PORT = port_from_env("HUB_FORMGRADER_PORT")
c.JupyterHub.services = [
    {
        "name": "formgrader",
        "url": f"http://127.0.0.1:{FORMGRADER_PORT}",
        # answer_yes: the hub stops a service with SIGINT, which a Jupyter server would otherwise
        # answer with a question nobody reads (then the hub waits 30 s and sends SIGTERM)
        "command": [str(BIN / "jupyterhub-singleuser"), "--allow-root", "--ServerApp.answer_yes=True",
                    f"--ServerApp.root_dir={S.course_dir}", "--ServerApp.terminals_enabled=False"],
        "cwd": str(S.course_dir),
        "environment": {
            "JUPYTERHUB_DEFAULT_URL": "/formgrader",
            "PATH": os.pathsep.join([str(BIN), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(S.course_dir),
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
        },
        "oauth_no_confirm": True,
        "display": True,
    },
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                    f"--timeout={S.cull_timeout}", f"--cull-every={S.cull_every}"],
    },
]
c.JupyterHub.load_groups = {S.instructor_group: {"users": [S.admin]}}
c.JupyterHub.load_roles = [
    {"name": "instructor", "description": "formgrader and sign-up approval",
     "groups": [S.instructor_group],
     "scopes": ["access:services!service=formgrader", "admin:users", "list:users", "read:users"]},
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
]
