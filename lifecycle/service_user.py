"""Unprivileged system users for the host-mode services.

When ``make up`` runs as root, nothing the stack starts keeps root's rights:
PostgreSQL runs as ``postgres`` (or ``postgres-svc``), LocalStack and every
Lambda function process as ``localstack-svc``. Each is an existing system user
of that name or one created here (no home, no login shell). Run as an
ordinary user, services run as that user and :func:`service_user` is None.

Standard library only, like ``settings.config``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from settings.errors import UserError

POSTGRES_USERS = ("postgres", "postgres-svc")
LOCALSTACK_USERS = ("localstack-svc",)


class ServiceUserError(UserError):
    """The unprivileged user cannot be found, created or used; worded for people."""


@dataclass(frozen=True)
class ServiceUser:
    name: str
    uid: int
    gid: int

    @classmethod
    def named(cls, name: str) -> ServiceUser:
        """The system user ``name``; KeyError when there is none."""
        entry = pwd.getpwnam(name)
        return cls(entry.pw_name, entry.pw_uid, entry.pw_gid)

    def popen_args(self) -> dict:
        """Keyword arguments of ``subprocess`` that run a child as this user, without root's groups."""
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def service_user(names: tuple[str, ...]) -> ServiceUser | None:
    """The first existing user of ``names``, else the last one created; None when not root."""
    if os.geteuid() != 0:
        return None
    for name in names:
        try:
            return ServiceUser.named(name)
        except KeyError:
            continue
    _create_system_user(names[-1])
    return ServiceUser.named(names[-1])


def _create_system_user(name: str) -> None:
    commands = (
        ["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        ["adduser", "-S", "-D", "-H", name],  # BusyBox (Alpine)
    )
    for command in commands:
        if shutil.which(command[0]):
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode == 0 or _exists(name):  # another `make up` may have just created it
                return
            raise ServiceUserError(f"could not create the system user {name!r}: {result.stderr.strip()}")
    raise ServiceUserError(f"running as root, and no tool to create the unprivileged user {name!r} was found")


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def run_as(
    command: list[str], user: ServiceUser | None, cwd: Path, env: dict[str, str] | None = None, **kwargs
) -> subprocess.CompletedProcess:
    """Run a program as ``user`` (ourselves when None), capturing its output as text."""
    env = dict(os.environ if env is None else env)
    if user is not None:
        env["USER"] = env["LOGNAME"] = user.name
        kwargs.update(user.popen_args())
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, **kwargs)


def can_use(user: ServiceUser, path: Path, access: str = "-r") -> bool:
    """Whether ``user`` can read (``-r``), write (``-w``) or execute (``-x``) ``path``, asked as that user."""
    try:
        return run_as(["test", access, str(path)], user, cwd=Path("/")).returncode == 0
    except OSError:
        return False


def own(path: Path, user: ServiceUser | None, mode: int) -> None:
    """Make ``path`` (recursively, on a change of owner) belong to ``user`` with ``mode`` on ``path`` itself."""
    path.mkdir(parents=True, exist_ok=True)
    if user is not None and path.stat().st_uid != user.uid:
        for item in [path, *path.rglob("*")]:
            os.chown(item, user.uid, user.gid, follow_symlinks=False)
    os.chmod(path, mode)
