"""Run one function's handler in this process, in the foreground (``make invoke ... local=1``).

Started by ``operations.invoke`` under the Lambda runtime's Python with the deployed
function's environment; standard library only. The code folder comes first on
``sys.path``, the dependency layer after it, as in the deployed function. A
``breakpoint()`` in the handler stops here, in the terminal. Prints the result,
or the error as AWS shows it (``errorMessage``, ``errorType``, ``stackTrace``) and
exits 1.
"""

import argparse
import importlib
import json
import os
import sys
import time
import traceback
import uuid


class Context:
    """The parts of Lambda's context object the handlers use."""

    def __init__(self, timeout_seconds=900):
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = "arn:aws:lambda:{}:000000000000:function:{}".format(
            os.environ.get("AWS_REGION", "us-east-1"),
            self.function_name,
        )
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.time() + timeout_seconds

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))


def aws_error(exc):
    stack = traceback.format_list(traceback.extract_tb(exc.__traceback__)[1:])
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "requestId": "",
        "stackTrace": [line.rstrip("\n") for line in stack],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code-dir", required=True)
    parser.add_argument("--layer", required=True)
    parser.add_argument("--event-file", required=True)
    args = parser.parse_args()
    del sys.path[0]  # this script's folder (operations/) is not the function's
    sys.path[0:0] = [args.code_dir, args.layer]
    with open(args.event_file) as file:
        event = json.load(file)
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    started = time.monotonic()
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        result = handler(event, Context())
    except Exception as exc:
        duration = (time.monotonic() - started) * 1000
        print(f"--- duration: {duration:.0f} ms (local, import included)")
        print("--- error (Unhandled):")
        print(json.dumps(aws_error(exc), indent=2, ensure_ascii=False))
        return 1
    duration = (time.monotonic() - started) * 1000
    print(f"--- duration: {duration:.0f} ms (local, import included)")
    print("--- result")
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
