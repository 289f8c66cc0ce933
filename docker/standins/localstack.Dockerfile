# Stand-in for localstack/localstack:4.14.0, built by docker/standins/build.sh.
# Same layout as the official image: Python 3.13 on Debian trixie, LocalStack's virtualenv in
# /opt/code/localstack/.venv, data in /var/lib/localstack, gateway on 4566. Unlike the official
# image it has no Lambda init binary, so it only runs functions with the process executor.
FROM standin/debian:trixie
WORKDIR /opt/code/localstack
COPY localstack.lock build-ca.crt /tmp/
RUN python3.13 -m venv .venv \
 && PIP_CERT=/tmp/build-ca.crt .venv/bin/pip install --quiet --disable-pip-version-check --no-deps -r /tmp/localstack.lock \
 && rm -rf /root/.cache /tmp/localstack.lock /tmp/build-ca.crt \
 && mkdir -p /var/lib/localstack /tmp/localstack
COPY localstack-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PYTHONUNBUFFERED=1 GATEWAY_LISTEN=0.0.0.0:4566
EXPOSE 4566
VOLUME /var/lib/localstack
ENTRYPOINT ["docker-entrypoint.sh"]
