"""Handler output reaches CloudWatch Logs, framed by AWS's START/END/REPORT lines."""

import uuid

LOGS_DEADLINE_SECONDS = 30

CHATTY_HANDLER = """
import logging, subprocess, sys

logger = logging.getLogger()
logger.setLevel(logging.INFO)

def handler(event, context):
    marker = event["marker"]
    print(f"print {marker}")
    print(f"stderr {marker}", file=sys.stderr)
    logger.info(f"logging {marker}")
    subprocess.run(["echo", f"subprocess {marker}"], check=True)
    return "done"
"""


def test_handler_output_is_stored_in_cloudwatch_logs(make_function, logs_client, poll):
    function = make_function({"app.py": CHATTY_HANDLER})
    marker = uuid.uuid4().hex

    result = function.invoke({"marker": marker})
    assert result.function_error is None, result.payload

    expected = [f"print {marker}", f"stderr {marker}", f"logging {marker}", f"subprocess {marker}"]
    request_id = result.request_id

    def stored_messages():
        try:
            events = logs_client.filter_log_events(logGroupName=f"/aws/lambda/{function.name}")["events"]
        except logs_client.exceptions.ResourceNotFoundException:
            return None
        text = "".join(event["message"] for event in events)
        return text if all(line in text for line in expected) and f"REPORT RequestId: {request_id}" in text else None

    text = poll(stored_messages, LOGS_DEADLINE_SECONDS, "the invocation's logs in CloudWatch Logs")

    assert f"START RequestId: {request_id} Version: $LATEST" in text
    assert f"END RequestId: {request_id}" in text
    assert "[INFO]\t" in text and f"\t{request_id}\tlogging {marker}" in text
    report = next(line for line in text.splitlines() if line.startswith("REPORT"))
    for field in ("Duration:", "Billed Duration:", "Memory Size: 128 MB", "Max Memory Used:"):
        assert field in report
    assert text.index("START") < text.index(f"print {marker}") < text.index("END") < text.index("REPORT")
