"""Template processes: a new execution environment is a fork of one that has imported the handler.

When LocalStack prepares a function version (``prepare_version``), a template process
is started for it: the runtime's interpreter with the memory limit applied, the code on
``sys.path`` and the handler imported (boto3, the extractors, ...), with the version's
environment (LocalStack's variables for an environment of it, credentials included).
It then waits, single-threaded (see ``bootstrap.Template``). A new environment asks it
to fork: the child takes its own session, log, variables and channel and enters the
runtime loop, so the environment starts without importing anything.

The executor falls back to starting a fresh process (``RuntimeProcess``), with a log line
saying why, whenever a template cannot serve: it is switched off
(``LAMBDA_TEMPLATE_PROCESS=0``), the kernel has no ``pidfd_open``, the handler's import
failed (the fresh process then fails exactly as it always did) or left threads running,
or the template is being replaced. A template that died, or whose hot-reloaded code
changed, is replaced before its next fork. A retired template forks no more and exits once its children have.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import shutil
import socket
import tempfile
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from localstack_process_executor.endpoint import settle
from localstack_process_executor.environment import function_environment
from localstack_process_executor.process import DRAIN_SECONDS, RuntimeProcess
from localstack_process_executor.runtimes import Interpreter

LOG = logging.getLogger(__name__)

SWITCH_VARIABLE = "LAMBDA_TEMPLATE_PROCESS"
FORK_TIMEOUT_SECONDS = 10.0


def enabled() -> bool:
    return os.environ.get(SWITCH_VARIABLE, "1").strip().lower() not in ("0", "false", "no", "off")


def unavailable_reason() -> str | None:
    """Why this machine cannot watch forked environments, or None."""
    if not enabled():
        return f"{SWITCH_VARIABLE}=0"
    if not hasattr(os, "pidfd_open"):
        return "this Python has no os.pidfd_open"
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError as e:
        return f"the kernel has no pidfd_open ({e})"
    return None


class TemplateUnavailable(Exception):
    """The template cannot fork an environment now; the message says why."""


class Template:
    """The host side of one template process of function version ``name``.

    ``env_vars`` are LocalStack's variables for an environment of the version.
    """

    def __init__(
        self, name: str, interpreter: Interpreter, code_dir: Path, env_vars: dict[str, str], runtime_args: list[str]
    ) -> None:
        self.name = name
        self._arguments = (name, interpreter, code_dir, env_vars, runtime_args)
        self.workdir = Path(tempfile.mkdtemp(prefix="lambda-template-"))
        private_dir = self.workdir / "tmp"
        private_dir.mkdir()
        self.process = RuntimeProcess(
            python=interpreter.python,
            code_dir=code_dir,
            env_dir=self.workdir,
            env=function_environment(env_vars, interpreter, code_dir, private_dir),
            log_file=self.workdir / "environment.log",
            on_exit=self._on_exit,
            on_message=self._on_message,
            runtime_args=[*runtime_args, "--template"],
        )
        self.failure: str | None = None
        self.died = False  # exited after it was ready, without being retired (then it is replaced)
        self._ready: Future[bool] = Future()
        self._lock = threading.Lock()  # one fork request at a time
        self._forked: Future[int] | None = None
        self._exits: dict[int, Future[int | None]] = {}
        self._retired = False

    @property
    def code_loaded_at(self) -> float:
        return self.process.code_loaded_at

    def successor(self) -> Template:
        """A new template of the same version (for code that changed since this one imported it)."""
        return Template(*self._arguments)

    def start(self, timeout: float) -> bool:
        """Start the template and wait until it has imported the handler; False (and ``failure``) if not."""
        try:
            self.process.start()
            self._ready.result(timeout=timeout)
            return True
        except FutureTimeout:
            self._fail(f"the handler's import did not finish within {timeout}s")
        except Exception as e:
            self._fail(str(e))
        self.stop()
        return False

    def fork(self, env: dict[str, str], env_dir: Path, log_file: Path, channel: socket.socket) -> tuple[int, Future]:
        """Fork an environment that talks over ``channel`` and writes to ``log_file``: its pid and exit code."""
        with self._lock:
            if self.failure or self._retired or not self.process.alive:
                raise TemplateUnavailable(self.failure or "the template was retired")
            forked: Future[int] = Future()
            self._forked = forked
            with open(log_file, "ab") as log:
                body = json.dumps({"env": env, "env_dir": str(env_dir)}).encode()
                try:
                    self.process.send({"type": "fork"}, body, fds=(channel.fileno(), log.fileno()))
                except OSError as e:
                    raise TemplateUnavailable(f"the template did not take the request: {e}") from e
            try:
                pid = forked.result(timeout=FORK_TIMEOUT_SECONDS)
            except FutureTimeout as e:
                self._fail(f"no fork within {FORK_TIMEOUT_SECONDS}s")
                raise TemplateUnavailable(self.failure or "") from e
            except Exception as e:
                raise TemplateUnavailable(str(e)) from e
            return pid, self._exits[pid]

    def retire(self) -> None:
        """Fork no more; the process exits once its children have."""
        with self._lock:
            self._retired = True
            with contextlib.suppress(OSError):  # already gone
                self.process.send({"type": "retire"})

    def stop(self) -> None:
        """Take the template down now (its forked environments live on)."""
        self._retired = True
        self.process.terminate()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _fail(self, reason: str) -> None:
        if self.failure is None:
            self.failure = reason
            LOG.info(
                "Lambda %s: template process unavailable, environments start as new processes: %s", self.name, reason
            )

    def _on_message(self, header: dict, body: bytes) -> None:
        kind = header.get("type")
        if kind == "ready":
            settle(self._ready, result=True)
        elif kind == "init_error":
            error = json.loads(body or b"{}")
            reason = f"the handler's import failed: {error.get('errorType')}: {error.get('errorMessage')}"
            settle(self._ready, exception=TemplateUnavailable(reason))
        elif kind == "forked":
            pid = int(header["pid"])
            self._exits[pid] = Future()
            settle(self._forked, result=pid)
        elif kind == "exited":
            settle(self._exits.pop(int(header["pid"]), None), result=header.get("returncode"))
        else:
            LOG.warning("Lambda %s: the template sent an unexpected frame: %s", self.name, header)

    def _on_exit(self, process: RuntimeProcess, returncode: int | None) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.died = not self._retired and self._ready.done() and self._ready.exception() is None
        reason = f"the template process exited with {returncode}"
        settle(self._ready, exception=TemplateUnavailable(reason))
        settle(self._forked, exception=TemplateUnavailable(reason))
        if not self._retired:
            self._fail(reason)
        for pid in list(self._exits):
            settle(self._exits.pop(pid, None), result=None)  # exit codes no one can report any more


class ForkedRuntimeProcess(RuntimeProcess):
    """A runtime process forked from a template: the same interface as a started one.

    Its parent is the template, not LocalStack: its end is seen through a pidfd, and its
    exit code is the one the template reports when it reaps it (None if the template went first).
    """

    def __init__(self, *, template: Template, **kwargs) -> None:
        super().__init__(**kwargs)
        self._template = template
        self._pidfd: int | None = None
        self._exit_code: Future | None = None

    def _start_process(self, theirs: socket.socket) -> int:
        self.code_loaded_at = self._template.code_loaded_at
        pid, self._exit_code = self._template.fork(self._env, self._env_dir, self._log_file, theirs)
        try:
            self._pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            self._pidfd = None  # already gone: the template reports its exit code
        if self._pidfd is not None and self._exit_code.done():  # reaped before the pidfd: the pid may be reused
            os.close(self._pidfd)
            self._pidfd = None
        return pid

    def _wait_for_exit(self) -> int | None:
        assert self._exit_code is not None
        if self._pidfd is not None:
            select.select([self._pidfd], [], [])
            os.close(self._pidfd)
        try:
            return self._exit_code.result(timeout=DRAIN_SECONDS)
        except FutureTimeout:
            return None
