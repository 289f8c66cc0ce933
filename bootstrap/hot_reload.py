"""Hot-reload deployment (``make dev``): functions run from the source folders, not from a zip.

LocalStack 4.14.0 deploys code whose ``S3Bucket`` is ``hot-reload`` from the local
folder named by ``S3Key`` (an absolute path) and reports it as
``Code.Location = file://<path>`` with a constant CodeSha256, so a deploy compares the
location, never the hash.

Each function's code folder, ``.state/hot-reload/<function>/code``, holds symlinks: one
per top-level entry of ``lambdas/<function>`` and ``pipeline_core`` pointing to
``lambdas/common/pipeline_core``. An edit to either is what the next invocation runs
(in host mode the process executor's watcher restarts the environment first). A new
top-level file of a function needs ``make dev`` again; new files inside its packages
do not.

Dependencies live apart from the code: ``.state/hot-reload/<function>/python`` is a
symlink to the build cache's folder for the function's ``requirements.txt`` (the same
one the zip is built from, keyed by the requirements' hash), so changing a function's
requirements rebuilds that function's layer only. In host mode the function finds it
through ``PYTHONPATH``, after its code (the runtime puts the code folder first).

Docker mode (not run by the tests on this machine) cannot use the symlinks: the Lambda
container sees only the folder mounted at ``/var/task``, and LocalStack's init inside it
watches that folder with inotify, which does not see edits behind a symlink. There the
code folder is ``lambdas/`` itself (real files; any edit under it resets the runtime),
``PYTHONPATH`` names the function's folder, the shared core's folder, its layer and the
runtime's own ``/var/runtime`` (AWS lets functions extend ``PYTHONPATH``), and the build
cache is mounted read-only at ``/opt/pipeline-build`` through ``LAMBDA_DOCKER_FLAGS``
(``lifecycle.compose.docker_flags``, set when LocalStack starts). One flag serves
both functions, so each layer keeps its own folder instead of a shared ``/opt/python``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bootstrap.packaging import CORE_DIR, CORE_PACKAGE, FUNCTIONS_DIR, vendored_dependencies
from lifecycle import service_user
from lifecycle.compose import DOCKER_BUILD_MOUNT
from settings.config import Config
from settings.errors import UserError

BUCKET_MARKER = "hot-reload"  # LocalStack's BUCKET_MARKER_LOCAL default
_NOT_CODE = {"requirements.txt", "tests", "__pycache__", ".pytest_cache"}


class NotReadable(UserError):
    """The unprivileged runtime user cannot read the source folders; worded for people."""


@dataclass(frozen=True)
class HotReloadCode:
    """A function deployed from a local folder; ``variables`` go into its environment."""

    name: str
    code_dir: Path
    layer_dir: Path
    variables: dict[str, str]

    @property
    def code(self) -> dict[str, str]:
        return {"S3Bucket": BUCKET_MARKER, "S3Key": str(self.code_dir)}

    @property
    def location(self) -> str:
        """``Code.Location`` as LocalStack reports it for this folder."""
        return f"file://{self.code_dir}"

    def environment(self) -> dict[str, str]:
        return dict(self.variables)


def _link(link: Path, target: Path) -> None:
    """Make ``link`` point to ``target``, replacing whatever was there in one step."""
    if link.is_symlink() and os.readlink(link) == str(target):
        return
    tmp = link.with_name(f".{link.name}.tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, link)


# -B: compiled files would be written next to the sources (or fail to be, as the runtime user).
_NO_BYTECODE = {"PYTHONDONTWRITEBYTECODE": "1"}


def for_docker(function: str, cfg: Config) -> HotReloadCode:
    """Docker mode: the whole ``lambdas/`` folder at ``/var/task``, the layer from the mounted build cache."""
    layer = vendored_dependencies(FUNCTIONS_DIR / function, cfg.build_dir).resolve()
    path = [
        f"/var/task/{function}",
        f"/var/task/{CORE_DIR.parent.name}",
        f"{DOCKER_BUILD_MOUNT}/{layer.name}",
        "/var/runtime",
    ]
    return HotReloadCode(function, FUNCTIONS_DIR.resolve(), layer, {"PYTHONPATH": ":".join(path), **_NO_BYTECODE})


def assemble(
    function: str, cfg: Config, *, source_dir: Path | None = None, folder: Path | None = None
) -> HotReloadCode:
    """Host mode: create or refresh the code folder and dependency layer of ``lambdas/<function>``.

    ``source_dir`` and ``folder`` default to the function's source and its folder under
    ``.state/hot-reload``; tests pass a copy of the source.
    """
    source_dir = (source_dir or FUNCTIONS_DIR / function).resolve()
    folder = (folder or cfg.hot_reload_dir / function).resolve()
    code_dir = folder / "code"
    code_dir.mkdir(parents=True, exist_ok=True)
    for made in (folder.parent, folder, code_dir):  # whatever the umask: the runtime user reads them
        os.chmod(made, 0o755)
    wanted = {entry.name: entry for entry in source_dir.iterdir() if entry.name not in _NOT_CODE}
    wanted[CORE_PACKAGE] = CORE_DIR.resolve()
    for existing in code_dir.iterdir():
        if existing.name not in wanted:
            existing.unlink()
    for name, target in wanted.items():
        _link(code_dir / name, target)
    layer = folder / "python"
    _link(layer, vendored_dependencies(FUNCTIONS_DIR / function, cfg.build_dir).resolve())
    code = HotReloadCode(function, code_dir, layer, {"PYTHONPATH": str(layer), **_NO_BYTECODE})
    check_readable(code)
    return code


def check_readable(code: HotReloadCode) -> None:
    """LocalStack and the functions run as an unprivileged user when started as root: it must read both folders."""
    try:
        user = service_user.service_user(service_user.LOCALSTACK_USERS)
    except service_user.ServiceUserError:
        return  # reported by `make up`, which needs the same user
    if user is None:
        return
    for path in (code.code_dir / "handler.py", code.code_dir / CORE_PACKAGE / "__init__.py", code.layer_dir):
        if not service_user.can_use(user, path, "-r"):
            raise NotReadable(
                f"the {user.name} user, which runs the functions, cannot read {path.resolve()}: make the "
                f"project readable by others (`chmod -R o+rX {FUNCTIONS_DIR} {code.layer_dir.resolve()}` and "
                "o+x on its parent folders), or deploy without HOT_RELOAD"
            )
