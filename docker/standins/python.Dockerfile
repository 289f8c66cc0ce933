# Stand-in for python:3.12-slim, built by docker/standins/build.sh from this machine's CPython 3.12,
# installed under /usr/local with a relocatable libpython, as in the official image.
FROM standin/debian:trixie
COPY usr-local/ /usr/local/
RUN ln -sf python3.12 /usr/local/bin/python3 && /usr/local/bin/python3.12 -c 'import ssl, ctypes, sqlite3, lzma, bz2, zlib, venv'
CMD ["python3.12"]
