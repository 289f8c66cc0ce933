"""Runtime process of one Lambda execution environment.

The executor starts it as::

    <python of the function's runtime> -u bootstrap.py --channel-fd N --code-dir DIR \
        --env-dir DIR --parent-pid PID

It runs under that interpreter, not LocalStack's, so it uses the standard
library only (and stays compatible with Python 3.8). It talks to the executor
over fd N, one end of a socket pair the executor keeps the other end of (no
HTTP, no gateway), in frames of a JSON header and a body (see ``send_frame``):

* init: import the handler named by ``_HANDLER``, then send ``{"type": "ready"}``,
  or ``{"type": "init_error"}`` with an AWS-style error as the body, and exit;
* invoke: the executor sends ``{"type": "invoke"}`` with ``{"invoke-id",
  "invoked-function-arn", "payload", "trace-id"}`` as the body; the runtime answers
  ``{"type": "result", "request_id", "is_error", "logs"}`` with the function's
  response or error as the body. The executor's end closing means LocalStack is gone.

With ``--template`` the process is the template of a function version instead: it
imports the handler as above (``ready`` or ``init_error``), then stays single-threaded
and serves frames on its channel:

* fork: ``{"type": "fork"}`` with ``{"env", "env_dir"}`` as the body and two file
  descriptors attached (the new environment's channel and its log file). The template
  forks; it answers ``{"type": "forked", "pid"}``, and the child becomes that
  environment's runtime: its own session, log, environment variables and channel, on
  which it sends ``ready`` and then serves invocations as above. Code that ran at import
  (in the template) saw the version's environment, not the environment's own credentials,
  log stream or ``TMPDIR``, as with AWS's SnapStart.
* retire: fork no more; the template exits once its children have.
* the template reaps its children and reports each as ``{"type": "exited", "pid",
  "returncode"}``; it exits when its channel closes.

``DIR`` is the environment's private directory: the handler's output is
captured in ``DIR/invocation.log``. The helpers at the top are also used by the
executor for the results it has to make up itself (a runtime that cannot
report a timeout, or dies).
"""

import sys

if __name__ == "__main__":
    # Running as a script puts this package's directory first on sys.path;
    # the function must not be able to import the executor's modules.
    del sys.path[0]

import argparse
import contextlib
import decimal
import functools
import importlib
import json
import logging
import math
import os
import select
import shutil
import signal
import socket
import struct
import tempfile
import threading
import time
import traceback

PARENT_POLL_SECONDS = 0.5
CAPTURE_FILE_NAME = "invocation.log"
OUT_OF_MEMORY = "Runtime.OutOfMemory"
M_ARENA_MAX = -8  # mallopt parameter of glibc
FRAME_HEAD = struct.Struct("!II")  # lengths of a frame's JSON header and body
MAX_FDS = 4  # file descriptors a frame may carry


# --- the channel between executor and runtime (shared with the executor) -------


def send_frame(sock, header, body=b"", fds=()):
    """Write one frame: the lengths, a JSON header, then the body bytes; ``fds`` travel with its first byte."""
    data = json.dumps(header).encode("utf-8")
    frame = FRAME_HEAD.pack(len(data), len(body)) + data + body
    if fds:
        sent = socket.send_fds(sock, [frame], list(fds))
        frame = frame[sent:]
    sock.sendall(frame)


def receive_frame(sock):
    """Read one frame as ``(header, body)``; None when the other end closed the channel."""
    frame = receive_frame_with_fds(sock, with_fds=False)
    return frame[:2] if frame is not None else None


def receive_frame_with_fds(sock, with_fds=True):
    """Read one frame as ``(header, body, fds)``; None when the other end closed the channel."""
    fds: list[int] = []
    head = None
    if with_fds:
        try:
            first, fds, _, _ = socket.recv_fds(sock, FRAME_HEAD.size, MAX_FDS)
        except OSError:
            return None
        if not first:
            return None
        rest = _receive_exactly(sock, FRAME_HEAD.size - len(first)) if len(first) < FRAME_HEAD.size else b""
        head = None if rest is None else first + rest
    else:
        head = _receive_exactly(sock, FRAME_HEAD.size)
    if head is None:
        _close_all(fds)
        return None
    header_size, body_size = FRAME_HEAD.unpack(head)
    data = _receive_exactly(sock, header_size + body_size)
    if data is None:
        _close_all(fds)
        return None
    return json.loads(data[:header_size]), data[header_size:], fds


def _close_all(fds):
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _receive_exactly(sock, size):
    chunks, missing = [], size
    while missing:
        try:
            chunk = sock.recv(min(missing, 1 << 20))
        except OSError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


# --- AWS-style log lines and errors (shared with the executor) ---------------


def start_line(request_id, version):
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id):
    return f"END RequestId: {request_id}"


def report_line(
    request_id, duration_ms, memory_size_mb, max_memory_used_mb, init_ms=None, status=None, error_type=None
):
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {max(1, math.ceil(duration_ms))} ms",
        f"Memory Size: {memory_size_mb} MB",
        f"Max Memory Used: {int(max_memory_used_mb)} MB",
    ]
    if init_ms is not None:
        fields.append(f"Init Duration: {init_ms:.2f} ms")
    if status:
        fields.append(f"Status: {status}")
    if error_type:
        fields.append(f"Error Type: {error_type}")
    return "\t".join(fields)


def invocation_logs(request_id, version, output, report, init_output=""):
    """The text of one invocation as CloudWatch shows it: init output, START, output, END, REPORT."""
    parts = [init_output, start_line(request_id, version) + "\n", output]
    if output and not output.endswith("\n"):
        parts.append("\n")
    parts.append(end_line(request_id) + "\n")
    parts.append(report + "\n")
    return "".join(parts)


def timeout_error(request_id, timeout_seconds):
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after {float(timeout_seconds):.2f} seconds",
    }


def out_of_memory_error(request_id):
    """The error AWS reports when a function exceeds its memory size."""
    return {
        "errorType": OUT_OF_MEMORY,
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
    }


def exit_error(request_id, returncode):
    """The error AWS reports when the runtime process dies during an invocation."""
    if returncode is None:  # a forked runtime whose template went first
        detail = "exit status unknown"
    elif returncode < 0:
        name = signal.Signals(-returncode).name[3:].lower()
        detail = "signal: %s" % ("killed" if name == "kill" else name)
    else:
        detail = f"exit status {returncode}"
    return {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {detail}",
    }


def max_memory_used_mb(pid="self"):
    """Peak resident memory of a process (this one by default), 0 if unknown.

    VmHWM rather than ``ru_maxrss``: the latter survives ``execve`` and would
    report the peak of the LocalStack process this one was forked from.
    """
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


# --- the function's side -------------------------------------------------------


class OutOfMemory(Exception):
    """The handler ran past the address-space limit (the function's memory size)."""


class FunctionError(Exception):
    """An error to report in the AWS Lambda error shape."""

    def __init__(self, error_type, message, stack_trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []

    @classmethod
    def from_exception(cls, exc):
        """The error of an exception raised by the function's code; runtime frames are left out."""
        runtime_files = (__file__, importlib.__file__)
        frames = [
            frame
            for frame in traceback.extract_tb(exc.__traceback__)
            if frame.filename not in runtime_files and not frame.filename.startswith("<frozen importlib")
        ]
        return cls(type(exc).__name__, str(exc), traceback.format_list(frames))

    def payload(self, request_id):
        return {
            "errorMessage": self.message,
            "errorType": self.error_type,
            "requestId": request_id,
            "stackTrace": self.stack_trace,
        }

    def log_text(self):
        text = f"[ERROR] {self.error_type}: {self.message}\n"
        if self.stack_trace:
            text += "Traceback (most recent call last):\n" + "".join(self.stack_trace)
        return text


def load_handler(spec):
    """Import ``module.function`` (``dir/module.function`` too) the way the AWS Python runtime does."""
    module_name, _, function_name = spec.rpartition(".")
    if not module_name or not function_name:
        raise FunctionError("Runtime.MalformedHandlerName", f"Bad handler '{spec}': expected 'module.function'")
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise FunctionError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}") from exc
    except SyntaxError as exc:
        raise FunctionError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}") from exc
    except Exception as exc:
        raise FunctionError.from_exception(exc) from exc
    handler = getattr(module, function_name, None)
    if handler is None:
        raise FunctionError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return handler


class LambdaContext:
    """The context object handed to the handler, with the attributes of AWS's Python runtime.

    As on AWS, ``memory_limit_in_mb`` is the string from ``AWS_LAMBDA_FUNCTION_MEMORY_SIZE``.
    """

    def __init__(self, request_id, invoked_function_arn, deadline):
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))

    def log(self, message):
        sys.stdout.write(str(message))

    def __repr__(self):
        return (
            f"LambdaContext(aws_request_id={self.aws_request_id!r}, function_name={self.function_name!r}, "
            f"function_version={self.function_version!r})"
        )


class RequestIdFilter(logging.Filter):
    """Adds ``aws_request_id`` to log records, as the AWS runtime's root handler does."""

    request_id = ""

    def filter(self, record):
        record.aws_request_id = RequestIdFilter.request_id
        return True


def install_root_log_handler():
    """Give the root logger AWS's handler, so ``logging`` output shows as it does on AWS."""
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    logging.getLogger().addHandler(handler)


def _json_default(value):
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def call_handler(handler, payload, context):
    """Run the handler on a JSON payload; returns the JSON result, raises FunctionError."""
    try:
        event = json.loads(payload) if payload else {}
    except ValueError as exc:
        raise FunctionError("Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}") from exc
    try:
        result = handler(event, context)
    except MemoryError:
        raise OutOfMemory() from None
    except Exception as exc:
        raise FunctionError.from_exception(exc) from exc
    try:
        return json.dumps(result, default=_json_default).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise FunctionError("Runtime.MarshalError", f"Unable to marshal response: {exc}") from exc


# --- plumbing ------------------------------------------------------------------


class OutputCapture:
    """While active, everything written to fd 1 and 2 (print, logging, subprocesses) goes to a file."""

    def __init__(self, path):
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        self._saved = None

    def __enter__(self):
        _flush_std_streams()
        os.ftruncate(self._fd, 0)
        self._saved = (os.dup(1), os.dup(2))
        os.dup2(self._fd, 1)
        os.dup2(self._fd, 2)
        return self

    def __exit__(self, *exc_info):
        _flush_std_streams()
        assert self._saved is not None, "__exit__ without __enter__"
        for target, saved in zip((1, 2), self._saved, strict=True):
            os.dup2(saved, target)
            os.close(saved)
        self._saved = None

    def text(self):
        with open(self.path, "rb") as captured:
            return captured.read().decode("utf-8", "replace")

    def write_to_environment_log(self, text):
        """Write to the process's own stdout (the environment log), even while capturing."""
        data = text.encode("utf-8", "replace")
        os.write(self._saved[0] if self._saved else 1, data)


def _flush_std_streams():
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            stream.flush()


class ExecutorChannel:
    """This environment's end of the channel to the executor; the handler's thread and the
    timeout watchdog may both send, one frame at a time."""

    def __init__(self, sock):
        self.sock = sock
        self._lock = threading.Lock()

    def ready(self):
        self.send({"type": "ready"})

    def init_error(self, error):
        self.send({"type": "init_error"}, json.dumps(error).encode("utf-8"))

    def result(self, request_id, logs, body, is_error):
        self.send({"type": "result", "request_id": request_id, "is_error": is_error, "logs": logs}, body)

    def next_invocation(self):
        """The next invocation sent by the executor; None once the executor has gone."""
        while True:
            frame = receive_frame(self.sock)
            if frame is None:
                return None
            header, body = frame
            if header.get("type") == "invoke":
                return json.loads(body)

    def send(self, header, body=b""):
        with self._lock:
            send_frame(self.sock, header, body)


def kill_process_group():
    os.killpg(os.getpgrp(), signal.SIGKILL)


def exit_with_parent(parent_pid, env_dir):
    """Take the process group down when LocalStack goes away (it is then re-parented)."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_SECONDS)
    shutil.rmtree(env_dir, ignore_errors=True)
    kill_process_group()


def exit_with_channel(channel, env_dir):
    """A forked environment's counterpart of ``exit_with_parent`` (its parent is the template):
    take the process group down when the executor's end of the channel closes (LocalStack went away)."""
    poller = select.poll()
    poller.register(channel, select.POLLRDHUP)
    while not poller.poll():
        pass
    shutil.rmtree(env_dir, ignore_errors=True)
    kill_process_group()


class OnceReporter:
    """Lets exactly one of the handler's thread and the timeout watchdog report an invocation."""

    def __init__(self):
        self._lock = threading.Lock()
        self._claimed = False

    def claim(self):
        with self._lock:
            if self._claimed:
                return False
            self._claimed = True
            return True


class Watchdog:
    """One thread per environment that runs the armed invocation's timeout report once its deadline passes.

    Started at the first invocation (a template forks environments and must stay single-threaded).
    Arming and disarming only set the deadline: the thread wakes when the deadline it waits for
    passes, or when it had none, not once per invocation.
    """

    def __init__(self):
        self._condition = threading.Condition()
        self._armed = None  # (monotonic deadline, callback)
        self._waiting_until = None  # the deadline the thread sleeps towards; None: no deadline
        self._thread = None

    def arm(self, seconds, callback):
        deadline = time.monotonic() + seconds
        with self._condition:
            self._armed = (deadline, callback)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="invocation-timeout", daemon=True)
                self._thread.start()
            elif self._waiting_until is None or deadline < self._waiting_until:
                self._condition.notify()

    def disarm(self):
        with self._condition:
            self._armed = None

    def _run(self):
        while True:
            with self._condition:
                callback = self._next_expired()
            callback()  # outside the lock: the report may take a while

    def _next_expired(self):
        """Wait (holding the condition) until the armed deadline passes; its callback, disarmed."""
        while True:
            if self._armed is None:
                self._waiting_until = None
                self._condition.wait()
                continue
            deadline, callback = self._armed
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._armed = None
                return callback
            self._waiting_until = deadline
            self._condition.wait(remaining)


class Runtime:
    def __init__(self, api, capture):
        self.api = api
        self.capture = capture
        self.version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_size = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.timeout = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT") or 3)
        self.handler = None
        self.pending_init = None  # (output, duration in ms), reported with the first invocation
        self.watchdog = Watchdog()

    def init(self):
        """Import the handler; returns the error to report instead of ready, if any."""
        started = time.perf_counter()
        error = None
        with self.capture:
            try:
                self.handler = load_handler(os.environ.get("_HANDLER", ""))
            except FunctionError as exc:
                error = exc
        output = self.capture.text()
        self.pending_init = (output, (time.perf_counter() - started) * 1000)
        if error is not None:
            self.capture.write_to_environment_log(output + error.log_text())
        return error

    def invoke(self, invocation):
        request_id = invocation["invoke-id"]
        init_output, init_ms = self.pending_init or ("", None)
        self.pending_init = None
        reporter = OnceReporter()
        started = time.time()
        os.environ["_X_AMZN_TRACE_ID"] = invocation.get("trace-id") or ""
        RequestIdFilter.request_id = request_id
        context = LambdaContext(request_id, invocation.get("invoked-function-arn"), started + self.timeout)
        out_of_memory = False
        with self.capture:
            self.watchdog.arm(
                self.timeout,
                functools.partial(self._report_timeout, reporter, request_id, started, init_output, init_ms),
            )
            try:
                body, is_error = call_handler(self.handler, invocation.get("payload"), context), False
            except FunctionError as exc:
                os.write(2, exc.log_text().encode("utf-8", "replace"))
                body, is_error = json.dumps(exc.payload(request_id)).encode("utf-8"), True
            except OutOfMemory:
                error = out_of_memory_error(request_id)
                os.write(2, (error["errorMessage"] + "\n").encode("utf-8"))
                body, is_error, out_of_memory = json.dumps(error).encode("utf-8"), True, True
            self.watchdog.disarm()
            duration_ms = (time.time() - started) * 1000
            if not reporter.claim():
                threading.Event().wait()  # the watchdog reports; the process is about to be killed
        report = report_line(
            request_id,
            duration_ms,
            self.memory_size,
            max_memory_used_mb(),
            init_ms,
            status="error" if out_of_memory else None,
            error_type=OUT_OF_MEMORY if out_of_memory else None,
        )
        logs = invocation_logs(request_id, self.version, self.capture.text(), report, init_output)
        self.capture.write_to_environment_log(logs)
        self.api.result(request_id, logs, body, is_error)
        if out_of_memory:
            kill_process_group()  # as on AWS, the next invocation starts a fresh environment

    def _report_timeout(self, reporter, request_id, started, init_output, init_ms):
        if not reporter.claim():
            return
        error = timeout_error(request_id, self.timeout)
        output = self.capture.text()
        if output and not output.endswith("\n"):
            output += "\n"
        output += error["errorMessage"] + "\n"
        duration_ms = (time.time() - started) * 1000
        report = report_line(request_id, duration_ms, self.memory_size, max_memory_used_mb(), init_ms, status="timeout")
        logs = invocation_logs(request_id, self.version, output, report, init_output)
        try:
            self.capture.write_to_environment_log(logs)
            self.api.result(request_id, logs, json.dumps(error).encode("utf-8"), True)
        finally:
            kill_process_group()


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channel-fd", type=int, required=True)
    parser.add_argument("--code-dir", required=True)
    parser.add_argument("--env-dir", required=True)
    parser.add_argument("--parent-pid", type=int, required=True)
    parser.add_argument("--address-space-limit", type=int, help="bytes; RLIMIT_AS applied before the handler loads")
    parser.add_argument("--template", action="store_true", help="import the handler, then fork environments")
    return parser.parse_args(argv)


def thread_count():
    """Threads of this process as the kernel sees them (those of C libraries too)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


class Template:
    """The template's loop: fork an environment per request, reap and report children (one thread)."""

    def __init__(self, api, runtime):
        self.api = api
        self.runtime = runtime
        self.children = set()
        self.retired = False

    def serve(self):
        """Returns ``(channel, env_dir)`` in a forked child; in the template itself, exits."""
        wakeup_read, wakeup_write = os.pipe()
        os.set_blocking(wakeup_write, False)
        signal.set_wakeup_fd(wakeup_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that the wakeup fd is written
        gc_freeze()
        while True:
            self._reap()
            if self.retired and not self.children:
                break
            readable, _, _ = select.select([self.api.sock, wakeup_read], [], [])
            if wakeup_read in readable:
                os.read(wakeup_read, 4096)
            if self.api.sock not in readable:
                continue
            frame = receive_frame_with_fds(self.api.sock)
            if frame is None:  # the executor's end closed: LocalStack stopped or went away
                break
            header, body, fds = frame
            if header.get("type") == "fork" and not self.retired and len(fds) == 2:
                started = time.perf_counter()
                pid = os.fork()
                if pid == 0:
                    os.close(wakeup_read)
                    os.close(wakeup_write)
                    return self._become_environment(json.loads(body), fds, started)
                self.children.add(pid)
                self.api.send({"type": "forked", "pid": pid})
            elif header.get("type") == "retire":
                self.retired = True
            _close_all(fds)
        sys.exit(0)

    def _reap(self):
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.api.send({"type": "exited", "pid": pid, "returncode": os.waitstatus_to_exitcode(status)})

    def _become_environment(self, request, fds, started):
        """In the forked child: this environment's session, log, variables and channel."""
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        self.api.sock.close()
        os.setsid()
        channel_fd, log_fd = fds
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.close(log_fd)
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None  # TMPDIR is the environment's own now
        channel = socket.socket(fileno=channel_fd)
        channel.set_inheritable(False)
        env_dir = request["env_dir"]
        self.runtime.api = ExecutorChannel(channel)
        self.runtime.capture = OutputCapture(os.path.join(env_dir, CAPTURE_FILE_NAME))
        init_output, _ = self.runtime.pending_init or ("", None)
        self.runtime.pending_init = (init_output, (time.perf_counter() - started) * 1000)
        return channel, env_dir


def gc_freeze():
    """Keep the imported objects out of the collector's reach, so that forks share their memory pages."""
    import gc

    gc.collect()
    gc.freeze()


def limit_address_space(limit_bytes):
    """Cap this process's address space; fewer allocator arenas keep reserved-but-unused space small."""
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(M_ARENA_MAX, 2)
    except (OSError, AttributeError):
        pass  # not glibc: the limit still holds, with less room to spare
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def main(argv=None):
    args = parse_args(argv)
    if args.address_space_limit:
        limit_address_space(args.address_space_limit)
    if not args.template:  # a template stays single-threaded until it forks
        threading.Thread(
            target=exit_with_parent, args=(args.parent_pid, args.env_dir), name="parent-watch", daemon=True
        ).start()
    sys.path.insert(0, args.code_dir)
    os.chdir(args.code_dir)
    channel = socket.socket(fileno=args.channel_fd)
    channel.set_inheritable(False)  # the function's own subprocesses do not get it
    api = ExecutorChannel(channel)
    runtime = Runtime(api, OutputCapture(os.path.join(args.env_dir, CAPTURE_FILE_NAME)))
    install_root_log_handler()

    error = runtime.init()
    if error is not None:
        api.init_error(error.payload(""))
        return 1

    env_dir = args.env_dir
    if args.template:
        threads = thread_count()
        if threads != 1:
            api.init_error(
                {
                    "errorType": "Template.Threads",
                    "errorMessage": f"the handler's import left {threads} threads running; forking them is unsafe",
                }
            )
            return 1
        api.ready()
        channel, env_dir = Template(api, runtime).serve()
        api = runtime.api
        threading.Thread(target=exit_with_channel, args=(channel, env_dir), name="channel-watch", daemon=True).start()

    api.ready()
    while True:
        invocation = api.next_invocation()
        if invocation is None:  # the executor's end closed: LocalStack stopped or went away
            shutil.rmtree(env_dir, ignore_errors=True)
            kill_process_group()
        try:
            runtime.invoke(invocation)
        except Exception:
            traceback.print_exc()


if __name__ == "__main__":
    sys.exit(main())
