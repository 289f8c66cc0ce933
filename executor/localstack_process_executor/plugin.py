"""Entry point of the ``local`` runtime executor (``LAMBDA_RUNTIME_EXECUTOR=local``).

Kept tiny: LocalStack resolves every plugin of the namespace at startup, so the
executor itself is only imported when it is selected.
"""

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin


class ProcessRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = "local"

    def load(self, *args, **kwargs):
        from localstack_process_executor.executor import ProcessRuntimeExecutor

        return ProcessRuntimeExecutor
