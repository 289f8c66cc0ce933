"""The ``local`` runtime executor: each Lambda execution environment is a local OS process."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
import time
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from localstack import config
from localstack.services.lambda_.invocation.executor_endpoint import (
    InvokeSendError,
    ShutdownDuringStartup,
    StatusErrorException,
)
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

from localstack_process_executor import hot_reload, memory_limit, runtimes, template
from localstack_process_executor.bootstrap import (
    CAPTURE_FILE_NAME,
    OUT_OF_MEMORY,
    exit_error,
    invocation_logs,
    report_line,
    timeout_error,
)
from localstack_process_executor.endpoint import RuntimeCallbacks
from localstack_process_executor.environment import function_environment
from localstack_process_executor.process import RuntimeProcess
from localstack_process_executor.template import ForkedRuntimeProcess, Template, TemplateUnavailable
from localstack_process_executor.template_registry import TemplateRegistry

LOG = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
# How long past the function timeout the executor waits for the runtime to
# report it, before killing the process itself (e.g. a handler holding the GIL).
BACKSTOP_GRACE_SECONDS = 2.0
LOG_TAIL_CHARS = 64 * 1024
STARTUP_OUTPUT_CHARS = 2000
TIMEOUT_ERROR_TYPE = "Sandbox.Timedout"
ENVIRONMENT_LOG_NAME = "environment.log"  # everything the runtime process wrote, in its private directory

# The template process of each prepared function version, by (qualified ARN, internal revision).
_templates: TemplateRegistry[Template] = TemplateRegistry()


def gateway_address_for_functions() -> str:
    """The address of LocalStack's gateway as seen from a process on this host."""
    if config.HOSTNAME_FROM_LAMBDA:
        return config.HOSTNAME_FROM_LAMBDA
    host = config.GATEWAY_LISTEN[0].host
    if host in ("", "0.0.0.0", "::", "localhost"):
        return LOOPBACK
    return f"[{host}]" if ":" in host else host


class ProcessRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self._callbacks = RuntimeCallbacks(id)
        self._state_lock = threading.Lock()
        self._stopped = False
        self._process: RuntimeProcess | None = None
        self._current_request: tuple[str, float] | None = None
        self._env: dict[str, str] = {}
        self._interpreter: runtimes.Interpreter | None = None
        self._workdir: Path | None = None
        self._log_tail = ""

    # --- lifecycle ---------------------------------------------------------------

    def start(self, env_vars: dict[str, str]) -> None:
        try:
            self._interpreter = runtimes.interpreter_for(self.function_version.config.runtime)
        except runtimes.UnsupportedRuntimeError as e:
            # Reported to the caller as the invocation's error, like a failed init.
            error = {"errorType": "InvalidRuntimeException", "errorMessage": str(e)}
            raise StatusErrorException(str(e), payload=json.dumps(error).encode()) from e
        self._workdir = Path(tempfile.mkdtemp(prefix=f"lambda-{self.function_version.id.function_name}-"))
        private_dir = self._workdir / "tmp"
        private_dir.mkdir()
        self._env = function_environment(env_vars, self._interpreter, self._code_dir, private_dir)
        self._launch()

    def stop(self) -> None:
        with self._state_lock:
            if self._stopped:
                return
            self._stopped = True
            process = self._process
        if process is not None:
            process.terminate()
        self._callbacks.cancel()
        self._remove_workdir()

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        hot_reload.before_invoke(self)
        process = self._process
        if process is None or not process.alive:
            # The previous invocation timed out or the runtime died: re-init, as AWS does.
            try:
                process = self._launch()
            except StatusErrorException as e:
                return self._init_failure_result(request_id, e.payload)
        invocation = self._callbacks.expect_invocation(request_id)
        started = time.time()
        self._current_request = (request_id, started)
        try:
            self._send(process, payload)
            try:
                result = invocation.result(timeout=self._timeout + BACKSTOP_GRACE_SECONDS)
            except FutureTimeout:
                result = self._backstop_timeout(process, invocation, request_id, started)
        finally:
            self._current_request = None
        if _error_type(result) in (TIMEOUT_ERROR_TYPE, OUT_OF_MEMORY):
            # The runtime ends itself after reporting these: wait for it, so the next invoke starts afresh.
            process.terminate()
        return result

    # --- RuntimeExecutor queries --------------------------------------------------

    def get_address(self) -> str:
        return LOOPBACK

    def get_endpoint_from_executor(self) -> str:
        return gateway_address_for_functions()

    def get_runtime_endpoint(self) -> str:
        """Unused by our runtime (it reports over its channel); LocalStack puts it in the environment."""
        return f"http://{self.get_endpoint_from_executor()}:{config.GATEWAY_LISTEN[0].port}"

    def get_logs(self) -> str:
        """The end of everything the runtime process wrote, invocations included."""
        if self._workdir is None:
            return self._log_tail
        return _tail(self._environment_log, LOG_TAIL_CHARS)

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        """Unzip the code and check the runtime.

        An unsupported runtime is logged here and reported by every invoke,
        rather than failing the version: LocalStack 4.14 cannot delete a
        function whose version failed to start.
        """
        try:
            interpreter = runtimes.interpreter_for(function_version.config.runtime)
        except runtimes.UnsupportedRuntimeError as e:
            LOG.error("Lambda %s cannot be run: %s", function_version.qualified_arn, e)
            return
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()
            _start_template(function_version, interpreter)

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        """Retire the version's template; LocalStack owns the unzipped code and removes it with the version."""
        _templates.remove(_template_key(function_version))

    @classmethod
    def validate_environment(cls) -> bool:
        LOG.info("Local Lambda executor, Python runtimes: %s", runtimes.describe_available())
        return True

    # --- internals ---------------------------------------------------------------

    @property
    def _code_dir(self) -> Path:
        return Path(self.function_version.config.code.get_unzipped_code_location())

    @property
    def _timeout(self) -> int:
        return self.function_version.config.timeout

    @property
    def _capture_file(self) -> Path | None:
        return self._workdir / CAPTURE_FILE_NAME if self._workdir else None

    @property
    def _environment_log(self) -> Path | None:
        return self._workdir / ENVIRONMENT_LOG_NAME if self._workdir else None

    def _launch(self) -> RuntimeProcess:
        """Start a runtime process and wait until it has imported the handler."""
        startup = self._callbacks.expect_startup()
        with self._state_lock:
            if self._stopped:
                raise ShutdownDuringStartup(f"Lambda environment {self.id} stopped before it started")
            if self._interpreter is None or self._workdir is None:
                raise LambdaRuntimeException(f"Lambda environment {self.id} was launched before start()")
            process = self._process = self._start_process()
        timeout = config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT
        try:
            startup.result(timeout=timeout)
        except CancelledError as e:
            raise ShutdownDuringStartup(f"Lambda environment {self.id} stopped during startup") from e
        except FutureTimeout as e:
            process.terminate()
            raise LambdaRuntimeException(
                f"Lambda environment {self.id} did not start within {timeout}s (LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT)"
            ) from e
        except BaseException:
            process.terminate()
            raise
        return process

    def _start_process(self) -> RuntimeProcess:
        """A fork of the version's template when it can serve, else a new process."""
        source = _current_template(self.function_version)
        if source is not None:
            try:
                return self._started(ForkedRuntimeProcess, template=source)
            except TemplateUnavailable as e:
                LOG.info("Lambda environment %s starts as a new process: %s", self.id, e)
        return self._started(RuntimeProcess)

    def _started(self, kind: type[RuntimeProcess], **extra) -> RuntimeProcess:
        assert self._interpreter is not None and self._workdir is not None
        process = kind(
            python=self._interpreter.python,
            code_dir=self._code_dir,
            env_dir=self._workdir,
            env=self._env,
            log_file=self._workdir / ENVIRONMENT_LOG_NAME,
            on_exit=self._on_process_exit,
            on_message=self._callbacks.on_message,
            runtime_args=memory_limit.runtime_arguments(self.function_version.config.memory_size),
            **extra,
        )
        process.start()
        return process

    def _send(self, process: RuntimeProcess, payload: dict[str, str]) -> None:
        try:
            process.send({"type": "invoke"}, json.dumps(payload).encode())
        except OSError as e:
            process.terminate()
            raise InvokeSendError(f"Could not send the invocation to runtime process {process.pid}: {e}") from e

    def _on_process_exit(self, process: RuntimeProcess, returncode: int | None) -> None:
        """The runtime process ended without being stopped: settle whatever it left waiting."""
        if process is not self._process:
            return
        output = _tail(self._environment_log, STARTUP_OUTPUT_CHARS)
        self._callbacks.fail_startup(
            LambdaRuntimeException(f"Lambda runtime process exited with {returncode} during init: {output}")
        )
        current = self._current_request
        if current is not None and self._callbacks.invocation_pending:
            request_id, started = current
            error = exit_error(request_id, returncode)
            self._callbacks.finish_invocation(self._made_up_result(request_id, started, error, 0))

    def _backstop_timeout(
        self, process: RuntimeProcess, invocation: Future[InvocationResult], request_id: str, started: float
    ) -> InvocationResult:
        LOG.warning(
            "Lambda %s did not report the timeout of request %s; killing its runtime process",
            self.function_version.qualified_arn,
            request_id,
        )
        memory = process.max_memory_used_mb()
        process.terminate(grace=0)
        error = timeout_error(request_id, self._timeout)
        made_up = self._made_up_result(request_id, started, error, memory, status="timeout")
        self._callbacks.finish_invocation(made_up)
        # Either ours, or the runtime's own report if it arrived just before.
        return invocation.result()

    def _made_up_result(
        self, request_id: str, started: float, error: dict, memory_mb: int, status: str | None = None
    ) -> InvocationResult:
        """The result of an invocation whose runtime could not report it; logs include its output so far."""
        output = self._read(self._capture_file)
        if output and not output.endswith("\n"):
            output += "\n"
        output += error["errorMessage"] + "\n"
        memory_size = self.function_version.config.memory_size
        duration_ms = (time.time() - started) * 1000
        report = report_line(request_id, duration_ms, memory_size, memory_mb, status=status)
        logs = invocation_logs(request_id, self.function_version.id.qualifier, output, report)
        self._append_environment_log(logs)
        return InvocationResult(request_id, json.dumps(error).encode(), is_error=True, logs=logs)

    def _init_failure_result(self, request_id: str, payload: bytes) -> InvocationResult:
        error = json.loads(payload or b"{}")
        output = self._read(self._capture_file)
        output += f"[ERROR] {error.get('errorType')}: {error.get('errorMessage')}\n"
        report = report_line(request_id, 0, self.function_version.config.memory_size, 0, status="error")
        logs = invocation_logs(request_id, self.function_version.id.qualifier, "", report, init_output=output)
        return InvocationResult(request_id, payload, is_error=True, logs=logs)

    def _append_environment_log(self, text: str) -> None:
        if self._environment_log is not None and self._environment_log.parent.exists():
            with open(self._environment_log, "a", encoding="utf-8") as log:
                log.write(text)

    def _remove_workdir(self) -> None:
        if self._workdir is None:
            return
        self._log_tail = self.get_logs()
        shutil.rmtree(self._workdir, ignore_errors=True)
        self._workdir = None

    @staticmethod
    def _read(path: Path | None) -> str:
        if path is None:
            return ""
        try:
            return path.read_text(errors="replace")
        except OSError:
            return ""


def _template_key(function_version: FunctionVersion) -> tuple[str, str]:
    return function_version.qualified_arn, function_version.config.internal_revision


def _start_template(function_version: FunctionVersion, interpreter: runtimes.Interpreter) -> None:
    """Start the version's template and wait for its import, so that the first environment is a fork."""
    reason = template.unavailable_reason()
    if reason is not None:
        LOG.info("Lambda %s: no template process (%s)", function_version.qualified_arn, reason)
        return
    # LocalStack's variables for an environment of this version (credentials of its role included);
    # a fork replaces the ones of its own environment.
    from localstack.services.lambda_.invocation.execution_environment import ExecutionEnvironment
    from localstack.services.lambda_.invocation.lambda_models import InitializationType

    try:
        sample = ExecutionEnvironment(function_version, InitializationType.on_demand, lambda *_: None, "template")
        started = Template(
            function_version.qualified_arn,
            interpreter,
            Path(function_version.config.code.get_unzipped_code_location()),
            sample.get_environment_variables(),
            memory_limit.runtime_arguments(function_version.config.memory_size),
        )
    except Exception as e:  # the version works without a template
        LOG.warning("Lambda %s: no template process: %s", function_version.qualified_arn, e)
        return
    # Kept when it failed too: its failure is logged at each fork it refuses, and a hot-reloaded
    # function's template is tried again after the next change.
    started.start(timeout=config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT)
    _templates.install(_template_key(function_version), started)


def _current_template(function_version: FunctionVersion) -> Template | None:
    """The version's template, replaced first if it died or its hot-reloaded code changed since it imported it."""

    def stale(current: Template) -> bool:
        if current.died:
            LOG.info("Lambda %s: its template process died; starting a new one", function_version.qualified_arn)
            return True
        if hot_reload.changed_since(function_version, current.code_loaded_at):
            LOG.info("Hot reload: the template of %s restarts with the new code", function_version.qualified_arn)
            return True
        return False

    return _templates.current(_template_key(function_version), stale, config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT)


def _tail(path: Path | None, size: int) -> str:
    if path is None:
        return ""
    try:
        with open(path, "rb") as file:
            file.seek(max(0, file.seek(0, 2) - size))
            return file.read().decode(errors="replace")
    except OSError:
        return ""


def _error_type(result: InvocationResult) -> str | None:
    if not result.is_error:
        return None
    try:
        return json.loads(result.payload).get("errorType")
    except (ValueError, AttributeError):
        return None
