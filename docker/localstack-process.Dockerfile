# The pinned LocalStack image plus the project's process executor and a Python 3.12 runtime:
# Docker mode without a Docker socket (DOCKER_LAMBDA_EXECUTOR=process). Built by `make up` from a
# context it assembles in .state/build/localstack-process-image (see lifecycle/compose.py).
ARG LOCALSTACK_IMAGE=localstack/localstack:4.14.0
ARG LAMBDA_PYTHON_IMAGE=python:3.12-slim-trixie
FROM ${LAMBDA_PYTHON_IMAGE} AS python

FROM ${LOCALSTACK_IMAGE}
# The official Python image keeps its interpreter in /usr/local; it moves to /opt/python3.12.
COPY --from=python /usr/local/ /opt/python3.12/
COPY lambda-runtime.txt build-ca.crt /tmp/build/
COPY executor /tmp/build/executor
# build-ca.crt is the machine's CA bundle (empty when it has none), for networks that re-sign TLS.
RUN echo /opt/python3.12/lib > /etc/ld.so.conf.d/python3.12.conf && ldconfig \
 && if [ -s /tmp/build/build-ca.crt ]; then export PIP_CERT=/tmp/build/build-ca.crt; fi \
 && /opt/python3.12/bin/python3.12 -m venv /opt/lambda-runtimes/python3.12 \
 && /opt/lambda-runtimes/python3.12/bin/pip install --quiet --disable-pip-version-check -r /tmp/build/lambda-runtime.txt \
 && /opt/code/localstack/.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps /tmp/build/executor \
 && rm -rf /tmp/build /root/.cache
ENV LAMBDA_RUNTIME_EXECUTOR=local \
    LOCALSTACK_PROCESS_EXECUTOR_RUNTIMES=/opt/lambda-runtimes
