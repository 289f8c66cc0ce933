"""Outcomes of one environment's startup and invocations, as futures LocalStack's threads wait on.

The runtime process reports them in frames over its channel (see ``bootstrap``);
they can also be settled by the executor (the process died, or never reported a
timeout): whichever comes first wins and later reports are ignored.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, InvalidStateError

from localstack.services.lambda_.invocation.executor_endpoint import StatusErrorException
from localstack.services.lambda_.invocation.lambda_models import InvocationResult
from localstack.utils.strings import to_str

LOG = logging.getLogger(__name__)


def settle(future: Future | None, *, result=None, exception: BaseException | None = None) -> bool:
    """Set a future's outcome unless it already has one; returns whether this call set it."""
    if future is None:
        return False
    try:
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result)
        return True
    except InvalidStateError:
        return False


class RuntimeCallbacks:
    def __init__(self, executor_id: str) -> None:
        self.executor_id = executor_id
        self._startup: Future[bool] | None = None
        self._invocation: Future[InvocationResult] | None = None
        self._request_id: str | None = None

    def expect_startup(self) -> Future[bool]:
        self._startup = Future()
        return self._startup

    def expect_invocation(self, request_id: str) -> Future[InvocationResult]:
        self._request_id = request_id
        self._invocation = Future()
        return self._invocation

    @property
    def invocation_pending(self) -> bool:
        return self._invocation is not None and not self._invocation.done()

    def fail_startup(self, exception: BaseException) -> None:
        settle(self._startup, exception=exception)

    def finish_invocation(self, result: InvocationResult) -> bool:
        return settle(self._invocation, result=result)

    def cancel(self) -> None:
        for future in (self._startup, self._invocation):
            if future is not None:
                future.cancel()

    def on_message(self, header: dict, body: bytes) -> None:
        """A frame from the runtime process, on its channel's reader thread."""
        kind = header.get("type")
        if kind == "ready":
            settle(self._startup, result=True)
        elif kind == "init_error":
            LOG.warning("Lambda environment %s failed to start: %s", self.executor_id, to_str(body))
            settle(self._startup, exception=StatusErrorException("Environment startup failed", payload=body))
        elif kind == "result" and header.get("request_id") == self._request_id:
            result = InvocationResult(
                self._request_id, body, is_error=bool(header.get("is_error")), logs=header.get("logs")
            )
            self.finish_invocation(result)
        else:
            LOG.warning("Lambda environment %s sent an unexpected frame: %s", self.executor_id, header)
