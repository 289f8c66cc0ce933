"""Callbacks from one environment's runtime process, received by LocalStack's executor router.

Unlike LocalStack's own ``ExecutorEndpoint``, startup and invocation outcomes
can also be settled by the executor (the process died, or never reported a
timeout); whichever comes first wins and later reports are ignored.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, InvalidStateError
from http import HTTPStatus

from localstack.http import Request, Response
from localstack.services.lambda_.invocation.executor_endpoint import (
    NAMESPACE,
    Endpoint,
    StatusErrorException,
    executor_router,
)
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


class RuntimeCallbacks(Endpoint):
    def __init__(self, executor_id: str) -> None:
        self.executor_id = executor_id
        self._startup: Future[bool] | None = None
        self._invocation: Future[InvocationResult] | None = None
        self._request_id: str | None = None
        self._logs: str | None = None

    @property
    def prefix(self) -> str:
        return f"{NAMESPACE}/{self.executor_id}"

    def register(self) -> None:
        executor_router().register_endpoint(self.executor_id, self)

    def unregister(self) -> None:
        executor_router().endpoints.pop(self.executor_id, None)

    def expect_startup(self) -> Future[bool]:
        self._startup = Future()
        return self._startup

    def expect_invocation(self, request_id: str) -> Future[InvocationResult]:
        self._request_id = request_id
        self._logs = None
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

    # Endpoint callbacks, called by the router on LocalStack's request threads.

    def status_ready(self, request: Request, executor_id: str) -> Response:
        settle(self._startup, result=True)
        return Response(status=HTTPStatus.ACCEPTED)

    def status_error(self, request: Request, executor_id: str) -> Response:
        LOG.warning("Lambda environment %s failed to start: %s", executor_id, to_str(request.data))
        error = StatusErrorException("Environment startup failed", payload=request.data)
        settle(self._startup, exception=error)
        return Response(status=HTTPStatus.ACCEPTED)

    def invocation_logs(self, request: Request, invoke_id: str) -> Response:
        body = request.get_json(silent=True)
        if invoke_id == self._request_id and isinstance(body, dict):
            self._logs = body.get("logs")
        return Response(status=HTTPStatus.ACCEPTED)

    def invocation_response(self, request: Request, req_id: str) -> Response:
        return self._finish(request, req_id, is_error=False)

    def invocation_error(self, request: Request, req_id: str) -> Response:
        return self._finish(request, req_id, is_error=True)

    def _finish(self, request: Request, req_id: str, is_error: bool) -> Response:
        if req_id != self._request_id:
            return Response(status=HTTPStatus.CONFLICT)
        self.finish_invocation(InvocationResult(req_id, request.data, is_error=is_error, logs=self._logs))
        return Response(status=HTTPStatus.ACCEPTED)
