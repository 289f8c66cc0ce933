"""Database addresses: ``postgresql://user:password@host:port/database[?sslmode=...]`` to pg8000's arguments.

One parser for the insert function (``DATABASE_DSN``) and the tools on the host (``make migrate``,
bootstrap, the tests). ``sslmode`` takes libpq's values, so that a DSN written for ``psql`` works
here too (Amazon RDS for PostgreSQL 15+ requires TLS):

- ``disable``: never TLS;
- ``allow``, ``prefer`` (libpq's default, and the default here): TLS when the server offers it,
  without checking its certificate;
- ``require``: TLS or no connection, without checking the certificate (with ``sslrootcert``,
  as ``verify-ca``, like libpq);
- ``verify-ca``: TLS with a certificate signed by a trusted authority (``sslrootcert=FILE``, e.g.
  AWS's RDS bundle, else the system's); ``verify-full``: that, and the certificate names the host.
"""

from __future__ import annotations

import re
import ssl
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_PARAMETERS = {"sslmode", "sslrootcert"}


def parse_dsn(dsn: str, name: str = "the database address") -> dict[str, Any]:
    """Keyword arguments of ``pg8000.native.Connection``; ValueError (never echoing ``dsn``) if malformed.

    ``name`` says in the error which setting held the address (e.g. ``DATABASE_DSN``).
    """
    parts = urlsplit(dsn)
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname or not parts.username:
        raise ValueError(f"{name} is not a postgresql://user:password@host:port/database address")
    query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = sorted(set(query) - _PARAMETERS)
    if unknown:
        raise ValueError(f"{name}: unsupported parameter(s) {', '.join(unknown)} (supported: sslmode, sslrootcert)")
    return {
        "user": unquote(parts.username),
        "password": unquote(parts.password) if parts.password is not None else None,
        "host": parts.hostname,
        "port": parts.port or 5432,
        "database": unquote(parts.path.lstrip("/")) or None,
        "ssl_context": ssl_context(query.get("sslmode", "prefer"), query.get("sslrootcert"), name),
    }


def ssl_context(
    mode: str, root_cert: str | None = None, name: str = "the database address"
) -> bool | ssl.SSLContext | None:
    """pg8000's ``ssl_context`` for a libpq ``sslmode``: False (no TLS), None (TLS if offered), True or a context."""
    if mode not in SSL_MODES:
        raise ValueError(f"{name}: sslmode must be one of {', '.join(SSL_MODES)}, not {mode!r}")
    if mode == "disable":
        return False
    if mode in ("allow", "prefer"):
        return None  # pg8000 asks for TLS and carries on without it when the server declines
    if mode == "require" and root_cert is None:
        return True  # TLS required, certificate not checked (libpq's `require` without a root certificate)
    try:
        context = ssl.create_default_context(cafile=root_cert)  # verifies the chain
    except (OSError, ssl.SSLError) as error:
        raise ValueError(f"{name}: sslrootcert {root_cert} cannot be used: {error}") from None
    context.check_hostname = mode == "verify-full"
    return context


def redact(dsn: str) -> str:
    """The DSN with its password hidden, fit for messages."""
    return re.sub(r"(//[^:/@]+:)[^@]*@", r"\1***@", dsn)
