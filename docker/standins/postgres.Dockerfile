# Stand-in for postgres:15, built by docker/standins/build.sh: Debian 12's postgresql-15 started
# by an entrypoint that honours the official image's POSTGRES_DB / POSTGRES_USER /
# POSTGRES_PASSWORD contract, with a UTF8 cluster in /var/lib/postgresql/data.
FROM standin/debian:bookworm
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
