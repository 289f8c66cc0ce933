"""Create the pipeline's AWS resources on LocalStack, idempotently: `python -m bootstrap`."""
