"""LocalStack start-up hooks that cut LocalStack's own work per invocation.

* Environments near the core count: LocalStack 4.14.0 runs each function's
  asynchronous events on a thread pool of Python's default size (cores + 4), so a
  burst starts that many runtime processes per function, which then compete for the
  same cores as LocalStack itself. The pool is capped at ``LAMBDA_MAX_ENVIRONMENTS``
  (``0``: twice the number of cores: an invocation spends much of its time waiting
  for LocalStack's answers), and the poller waits while the pool has a full batch
  queued, so events wait in their queue (where their visibility timeout is not
  running out) rather than in the pool.
* Function logs in batches: LocalStack ships each invocation's log lines with one
  ``PutLogEvents``. The shipping thread here waits ``LAMBDA_LOG_BATCH_MS`` after the
  first invocation's logs and sends everything queued by then, one request per log
  stream. Each invocation's lines keep the time its logs arrived, as LocalStack's own.
* No log line per request: LocalStack logs every request at INFO
  (``AWS s3.PutObject => 200``), a formatted line and a write per request on its
  busiest thread. Unless ``LOCALSTACK_REQUEST_LOG`` is ``1``, only warnings remain.
* No access-log line per request: twisted's web server (LocalStack 4.14.0 serves its
  gateway with it, ``localstack.aws.serving.twisted``) formats an access-log line for
  every request on its reactor thread and hands it to twisted's logging, which
  LocalStack never shows. A profile of a burst put about 5% of LocalStack's busy time
  there; the site's ``log`` does nothing instead.
* S3 notifications straight to the Lambda service: LocalStack 4.14.0's S3 notifier
  invokes a function through an internal boto client (even with ``IN_MEMORY_CLIENT``:
  request serialised, signed, run through the gateway's handler chain, response
  parsed). Here the notifier hands the same event to the Lambda service's asynchronous
  invoke, as the provider's ``Invoke`` does (same payload, a new request id and X-Ray
  trace header, the same error log line when it fails). Anything but a function ARN of
  this LocalStack takes LocalStack's own path.
* No thread started per invocation: LocalStack starts one for each invocation's
  CloudWatch metrics and one for the environment's keep-alive timer, and ``Thread.start``
  waits until the new thread has run. Metrics are counted and sent by one thread once a
  second (``invocation_metrics``); keep-alive and start-up timers wait on one thread
  (``shared_timers``).

The settings are documented in the project's configuration table, which passes them
to LocalStack's environment.
"""

import contextlib
import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from queue import Empty
from typing import Any

from localstack.runtime import hooks

from localstack_process_executor.invocation_metrics import InvocationMetrics, metric_threads_inline
from localstack_process_executor.shared_timers import TimerThread

# PutLogEvents' own limits are 10,000 events and 1,048,576 bytes (26 more per event).
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_000_000
# CloudWatch's standard resolution is a minute: a second's delay and sum change no figure it shows.
METRICS_WINDOW_SECONDS = 1.0


def max_environments() -> int:
    configured = int(os.environ.get("LAMBDA_MAX_ENVIRONMENTS") or 0)
    return configured if configured > 0 else 2 * (os.cpu_count() or 1)


def log_batch_seconds() -> float:
    return max(0, int(os.environ.get("LAMBDA_LOG_BATCH_MS") or 1000)) / 1000


@hooks.on_infra_start()
def _environments_near_core_count():
    from localstack.services.lambda_.invocation import event_manager

    original_init = event_manager.Poller.__init__
    workers = max_environments()

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        function_id = self.version_manager.function_version.id
        self.invoker_pool.shutdown(wait=False)
        self.invoker_pool = BoundedPool(workers, f"lambda-invoker-{function_id.function_name}:{function_id.qualifier}")

    event_manager.Poller.__init__ = __init__


class BoundedPool(ThreadPoolExecutor):
    """A thread pool whose ``submit`` waits while ``workers`` tasks run and a poll's batch (10) waits."""

    def __init__(self, workers: int, thread_name_prefix: str) -> None:
        super().__init__(max_workers=workers, thread_name_prefix=thread_name_prefix)
        self._slots = threading.BoundedSemaphore(workers + 10)

    def submit(self, fn, /, *args, **kwargs):
        self._slots.acquire()
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _: self._slots.release())
        return future


@hooks.on_infra_start()
def _no_log_line_per_request():
    if os.environ.get("LOCALSTACK_REQUEST_LOG", "0") != "1":
        for name in ("localstack.request.aws", "localstack.request.http"):
            logging.getLogger(name).setLevel(logging.WARNING)


@hooks.on_infra_start()
def _no_access_log_line_per_request():
    from rolo.serving.twisted import TwistedGateway

    TwistedGateway.log = _no_access_log


def _no_access_log(self, request) -> None:
    """``twisted.web.http.HTTPFactory.log``: the line would go nowhere anyone reads."""


@hooks.on_infra_start()
def _s3_notifications_invoke_functions_in_process():
    from localstack.services.s3 import notifications

    original = notifications.LambdaNotifier.notify

    def notify(self, ctx, config):
        if not notify_lambda_in_process(self, ctx, config):
            original(self, ctx, config)

    notifications.LambdaNotifier.notify = notify


def notify_lambda_in_process(notifier, ctx, config) -> bool:
    """``LambdaNotifier.notify`` of LocalStack 4.14.0, handing the event to the Lambda service's asynchronous
    invoke directly, as the Lambda provider's ``Invoke`` does; False (nothing sent) unless the target is a
    function ARN of this LocalStack."""
    from localstack.aws.api.lambda_ import InvocationType
    from localstack.services.lambda_.api_utils import function_locators_from_arn
    from localstack.services.plugins import SERVICE_PLUGINS
    from localstack.services.s3.notifications import LOG
    from localstack.utils.strings import long_uid
    from localstack.utils.xray.trace_header import TraceHeader

    lambda_arn = config["LambdaFunctionArn"]
    name, qualifier, account, region = function_locators_from_arn(lambda_arn)
    service = SERVICE_PLUGINS.get_service("lambda")
    provider = getattr(service, "_provider", None)
    lambda_service = getattr(provider, "lambda_service", None)
    if not (name and account and region and lambda_service):
        return False
    try:
        lambda_service.invoke(
            function_name=name,
            qualifier=qualifier,
            region=region,
            account_id=account,
            invocation_type=InvocationType.Event,
            client_context=None,
            request_id=long_uid(),
            payload=json.dumps(notifier._get_event_payload(ctx, config.get("Id"))).encode(),
            trace_context={"aws_trace_header": TraceHeader().ensure_root_exists()},
        )
    except Exception:
        LOG.error(
            'Unable to send notification for S3 bucket "%s" to Lambda function "%s".',
            ctx.bucket_name,
            lambda_arn,
            exc_info=LOG.isEnabledFor(logging.DEBUG),
        )
    return True


@hooks.on_infra_start()
def _function_logs_in_batches():
    from localstack.services.lambda_.invocation import logs

    logs.LogHandler.run_log_loop = run_batched_log_loop


def run_batched_log_loop(self, *args, **kwargs) -> None:
    """``LogHandler.run_log_loop`` of LocalStack 4.14.0, sending what accumulated in one request per stream."""
    from localstack.aws.connect import connect_to
    from localstack.services.lambda_.invocation.logs import QUEUE_SHUTDOWN
    from localstack.utils.aws.client_types import ServicePrincipal

    batch_seconds = log_batch_seconds()
    client = connect_to.with_assumed_role(
        region_name=self.region, role_arn=self.role_arn, service_principal=ServicePrincipal.lambda_
    ).logs
    while not self._shutdown_event.is_set():
        items = _collect(self.log_queue, QUEUE_SHUTDOWN, batch_seconds)
        streams: dict[tuple[str, str], list[dict]] = {}
        for item, arrived_ms in items:
            if item is QUEUE_SHUTDOWN:
                continue
            events = streams.setdefault((item.log_group, item.log_stream), [])
            events.extend({"timestamp": arrived_ms, "message": line + "\n"} for line in item.logs.split("\n") if line)
        for (group, stream), events in streams.items():
            for batch in _batches(events):
                _put(client, group, stream, batch)
        if any(item is QUEUE_SHUTDOWN for item, _ in items):
            return


def _collect(log_queue, shutdown, batch_seconds: float) -> list[tuple[Any, int]]:
    """The next item and what follows it within ``batch_seconds``, each with its arrival time (epoch ms).

    The arrival time is the log events' timestamp, as LocalStack gives them when it ships each
    invocation's logs at once: when the invocation ended, not when its batch is sent.
    """
    first = log_queue.get()
    items = [(first, _now_ms())]
    deadline = time.monotonic() + batch_seconds
    while first is not shutdown:
        try:
            item = log_queue.get(timeout=max(0.0, deadline - time.monotonic()))
        except Empty:
            break
        items.append((item, _now_ms()))
        if item is shutdown:
            break
    return items


def _now_ms() -> int:
    return int(time.time() * 1000)


def _batches(events: list[dict]):
    batch: list[dict] = []
    size = 0
    for event in events:
        event_size = len(event["message"].encode("utf-8", "replace")) + 26
        if batch and (len(batch) >= MAX_BATCH_EVENTS or size + event_size > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += event_size
    if batch:
        yield batch


def _put(client, group: str, stream: str, events: list[dict]) -> None:
    from localstack.services.lambda_.invocation.logs import LOG

    try:
        try:
            client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
        except client.exceptions.ResourceNotFoundException:
            with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                client.create_log_group(logGroupName=group)
            client.create_log_stream(logGroupName=group, logStreamName=stream)
            client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    except Exception as e:
        LOG.warning("Error saving logs to group %s: %s", group, e)


@hooks.on_infra_start()
def _invocation_metrics_without_a_thread_each():
    from localstack.services.lambda_.invocation import version_manager

    metrics = InvocationMetrics(_publish_lambda_metric, METRICS_WINDOW_SECONDS)
    version_manager.record_cw_metric_invocation = metrics.invocation
    version_manager.record_cw_metric_error = metrics.error
    version_manager.start_thread = metric_threads_inline(version_manager.start_thread)


def _publish_lambda_metric(metric: str, value: int, function_name: str, account_id: str, region_name: str) -> None:
    from localstack.utils.cloudwatch.cloudwatch_util import publish_lambda_metric

    publish_lambda_metric(metric, value, {"func_name": function_name}, account_id=account_id, region_name=region_name)


@hooks.on_infra_start()
def _environment_timers_on_one_thread():
    from localstack.services.lambda_.invocation import execution_environment

    execution_environment.Timer = TimerThread("lambda-environment-timers").timer
