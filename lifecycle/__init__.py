"""Starting and stopping the stack: LocalStack and PostgreSQL in Docker (compose) or as host processes,
with the interpreters, virtualenvs and service users host mode needs. Depends on ``settings`` only."""
