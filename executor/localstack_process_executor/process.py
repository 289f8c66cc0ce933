"""Host side of one runtime process: start it, watch it, take its process group down."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from localstack_process_executor import records
from localstack_process_executor.bootstrap import max_memory_used_mb, receive_frame, send_frame

LOG = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
STOP_GRACE_SECONDS = 2.0
GROUP_POLL_SECONDS = 0.05
# After the process exited, how long its last frames may take to be read (a grandchild
# that escaped the process group could keep the channel open for ever).
DRAIN_SECONDS = 1.0


class RuntimeProcess:
    """A ``bootstrap.py`` process in its own session, so that its whole process group can be stopped.

    It inherits one end of a socket pair (its channel, see ``bootstrap``): invocations
    go down it, and ``on_message(header, body)`` is called with every frame that comes
    back, from one reader thread per process. ``on_exit(process, returncode)`` is
    called from a watcher thread when it exits, after its last frames were read,
    unless it was stopped with :meth:`terminate`.
    """

    def __init__(
        self,
        python: Path,
        code_dir: Path,
        env_dir: Path,
        env: dict[str, str],
        log_file: Path,
        on_exit: Callable[[RuntimeProcess, int | None], None],
        on_message: Callable[[dict, bytes], None],
        runtime_args: list[str] | tuple[str, ...] = (),
    ) -> None:
        self._python = python
        self._code_dir = code_dir
        self._env_dir = env_dir
        self._env = env
        self._log_file = log_file
        self._on_exit = on_exit
        self._on_message = on_message
        self._runtime_args = list(runtime_args)
        self._exited = threading.Event()
        self._terminating = False
        self._pid: int | None = None
        self._popen: subprocess.Popen | None = None
        self._record: Path | None = None
        self._channel: socket.socket | None = None
        # Wall-clock time before the process started, so no later than when it read the function's code.
        self.code_loaded_at = 0.0

    @property
    def pid(self) -> int:
        if self._pid is None:
            raise RuntimeError("the runtime process was not started")
        return self._pid

    def start(self) -> None:
        ours, theirs = socket.socketpair()
        try:
            self._pid = self._start_process(theirs)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._channel = ours
        self._record = records.record(self.pid)
        reader = threading.Thread(target=self._read, args=(ours,), name=f"lambda-channel-{self.pid}", daemon=True)
        reader.start()
        watcher = threading.Thread(
            target=self._watch, args=(ours, reader), name=f"lambda-process-{self.pid}", daemon=True
        )
        watcher.start()

    def _start_process(self, theirs: socket.socket) -> int:
        argv = [
            str(self._python),
            "-u",
            str(BOOTSTRAP),
            "--channel-fd",
            str(theirs.fileno()),
            "--code-dir",
            str(self._code_dir),
            "--env-dir",
            str(self._env_dir),
            "--parent-pid",
            str(os.getpid()),
            *self._runtime_args,
        ]
        self.code_loaded_at = time.time()
        with open(self._log_file, "ab") as log:
            self._popen = subprocess.Popen(
                argv,
                env=self._env,
                cwd=self._code_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        return self._popen.pid

    def _wait_for_exit(self) -> int | None:
        assert self._popen is not None
        return self._popen.wait()

    def send(self, header: dict, body: bytes = b"", fds: tuple[int, ...] = ()) -> None:
        """Send one frame (with file descriptors to pass) to the runtime; OSError when it cannot take it."""
        if self._channel is None:
            raise OSError("the runtime process was not started")
        send_frame(self._channel, header, body, fds)

    @property
    def alive(self) -> bool:
        return self._pid is not None and not self._exited.is_set()

    def max_memory_used_mb(self) -> int:
        """Peak resident memory, 0 once the process is gone."""
        return max_memory_used_mb(self.pid)

    def terminate(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """SIGTERM the process group, SIGKILL whatever is left after ``grace`` seconds."""
        self._terminating = True
        if self._pid is None:
            return
        self._signal_group(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while self._group_exists() and time.monotonic() < deadline:
            self._exited.wait(GROUP_POLL_SECONDS)
        self._signal_group(signal.SIGKILL)
        self._exited.wait()

    def _group_exists(self) -> bool:
        return self._signal_group(0)

    def _signal_group(self, signum: int) -> bool:
        """Send a signal to the process group; False if the group is gone."""
        try:
            os.killpg(self.pid, signum)
            return True
        except ProcessLookupError:
            return False

    def _read(self, channel: socket.socket) -> None:
        while (frame := receive_frame(channel)) is not None:
            try:
                self._on_message(*frame)
            except Exception:
                LOG.exception("Lambda runtime process %s sent a frame that could not be handled", self.pid)

    def _watch(self, channel: socket.socket, reader: threading.Thread) -> None:
        returncode = self._wait_for_exit()
        records.forget(self._record)
        reader.join(DRAIN_SECONDS)
        with contextlib.suppress(OSError):  # ends the reader if something still holds the channel
            channel.shutdown(socket.SHUT_RDWR)
        reader.join()
        channel.close()
        self._exited.set()
        if not self._terminating:
            LOG.debug("Lambda runtime process %s exited with %s", self.pid, returncode)
            self._on_exit(self, returncode)
