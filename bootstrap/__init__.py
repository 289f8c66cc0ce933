"""Create the pipeline's AWS resources on LocalStack, idempotently (`pipeline bootstrap`, `make bootstrap`)."""
