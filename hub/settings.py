"""The hub's settings: ``hub/course.toml`` (shared with a Kubernetes deployment) and the few
environment variables that override it for one run (``make hub`` passes its variables through).

| variable | overrides |
|---|---|
| ``HUB_IP``, ``HUB_PORT`` | ``[hub] ip``, ``port`` (``0``: a free port, printed by the hub) |
| ``HUB_URL`` | the hub's public URL (default ``http://<ip>:<port>/``), e.g. ``https://hub.example.org/`` |
| ``HUB_STATE`` | ``[hub] state``: the folder of everything the hub keeps |
| ``HUB_USER_PREFIX`` | ``[course] user_prefix`` (the tests use a unique one) |
| ``HUB_ADMIN`` | ``[course] admin`` |
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COURSE_TOML = Path(__file__).resolve().parent / "course.toml"
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,15}$")      # hub names that become OS user names
_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_bytes(text) -> int:
    """``"1G"`` -> 1073741824 (K, M, G: powers of 1024; a plain number is bytes)."""
    text = str(text).strip().upper().removesuffix("I").removesuffix("B")
    if text and text[-1] in _UNITS:
        return int(float(text[:-1]) * _UNITS[text[-1]])
    return int(text)


@dataclass(frozen=True)
class Settings:
    course_id: str
    instructor_group: str
    admin: str
    user_prefix: str
    memory: int                 # bytes per learner server
    cpu: float                  # cores per learner server
    processes: int
    cull_timeout: int
    cull_every: int
    ip: str
    port: int
    public_url: str
    state: Path

    # everything the hub keeps, in one folder (see hub/README.md)
    @property
    def course_dir(self) -> Path:           # nbgrader course folder: gradebook, submitted/, ...
        return self.state / "course"

    @property
    def exchange(self) -> Path:             # nbgrader's exchange (learners write its inbound/)
        return self.state / "exchange"

    @property
    def learner_config(self) -> Path:       # the learners' nbgrader configuration (exchange, course)
        return self.state / "learner"

    def os_user(self, hub_name: str) -> str:
        """The OS user of hub user ``hub_name`` (refused when the name is not a safe one)."""
        if not NAME.match(hub_name):
            raise ValueError(f"hub user name {hub_name!r} is not 1-16 of a-z, 0-9, _ and - starting with a letter")
        return self.user_prefix + hub_name


def load(path: Path = COURSE_TOML, env=None) -> Settings:
    env = os.environ if env is None else env
    raw = tomllib.loads(Path(path).read_text())
    course, limits, culler, hub = raw["course"], raw["limits"], raw["culler"], raw["hub"]
    ip = env.get("HUB_IP") or hub["ip"]
    port = int(env.get("HUB_PORT") or hub["port"])
    state = Path(env.get("HUB_STATE") or hub["state"])
    prefix = env.get("HUB_USER_PREFIX") or course["user_prefix"]
    if not re.match(r"^[a-z][a-z0-9_-]{0,15}$", prefix):
        raise ValueError(f"user prefix {prefix!r}: 1-16 of a-z, 0-9, _ and -, starting with a letter")
    return Settings(
        course_id=course["id"], instructor_group=course["instructor_group"],
        admin=env.get("HUB_ADMIN") or course["admin"], user_prefix=prefix,
        memory=parse_bytes(limits["memory"]), cpu=float(limits["cpu"]), processes=int(limits["processes"]),
        cull_timeout=int(culler["timeout"]), cull_every=int(culler["every"]),
        ip=ip, port=port, public_url=env.get("HUB_URL") or f"http://{ip}:{port}/",
        state=(state if state.is_absolute() else REPO / state).resolve())
