"""Database addresses: one parser for the insert function and the tools, with libpq's sslmode."""

from __future__ import annotations

import ssl

import pytest

from pipeline_core.dsn import parse_dsn, redact, ssl_context


def test_a_dsn_becomes_connection_arguments_with_escapes_decoded():
    assert parse_dsn("postgresql://us%40er:p%3Ass@db.example:6543/my%20db") == {
        "user": "us@er",
        "password": "p:ss",
        "host": "db.example",
        "port": 6543,
        "database": "my db",
        "ssl_context": None,  # libpq's default `prefer`: TLS when the server offers it
    }
    assert parse_dsn("postgres://user@host/") == {
        "user": "user",
        "password": None,
        "host": "host",
        "port": 5432,
        "database": None,
        "ssl_context": None,
    }


@pytest.mark.parametrize("dsn", ["mysql://u:p@h/d", "postgresql://h:5432/d", "postgresql://u:p@/d", "not a dsn"])
def test_anything_else_is_refused_naming_the_setting_without_echoing_it(dsn):
    with pytest.raises(ValueError, match="DATABASE_DSN is not a postgresql://") as refused:
        parse_dsn(dsn, "DATABASE_DSN")
    assert ":p@" not in str(refused.value)


@pytest.mark.parametrize(
    ("mode", "expected"), [("disable", False), ("allow", None), ("prefer", None), ("require", True)]
)
def test_sslmode_without_certificate_checks_maps_to_pg8000s_switch(mode, expected):
    assert parse_dsn(f"postgresql://u:p@h/d?sslmode={mode}")["ssl_context"] is expected


def test_verify_full_checks_the_chain_and_the_host_name():
    context = parse_dsn("postgresql://u:p@db.example/d?sslmode=verify-full")["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)


def test_verify_ca_and_require_with_a_root_certificate_check_the_chain_only():
    bundle = pytest.importorskip("certifi").where()
    for mode in ("verify-ca", "require"):
        context = parse_dsn(f"postgresql://u:p@h/d?sslmode={mode}&sslrootcert={bundle}")["ssl_context"]
        assert isinstance(context, ssl.SSLContext), mode
        assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, False), mode
        assert context.cert_store_stats()["x509_ca"] > 0, "the root certificates were not loaded"


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        ("sslmode=verify", "sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full"),
        ("sslmode=require&sslrootcert=/nonexistent/root.pem", "sslrootcert /nonexistent/root.pem cannot be used"),
        ("connect_timeout=5", "unsupported parameter"),
    ],
)
def test_a_bad_parameter_is_refused_with_what_is_wrong(query, complaint):
    with pytest.raises(ValueError, match=f"^DATABASE_DSN: {complaint}"):
        parse_dsn(f"postgresql://u:secret@h/d?{query}", "DATABASE_DSN")


@pytest.mark.parametrize("query", ["sslmode=", "sslmode=require&connect_timeout="])
def test_a_parameter_left_blank_is_refused_not_ignored(query):
    with pytest.raises(ValueError, match=r"^DATABASE_DSN: (sslmode must be one of|unsupported parameter)"):
        parse_dsn(f"postgresql://u:secret@h/d?{query}", "DATABASE_DSN")


def test_every_unsupported_parameter_is_named():
    with pytest.raises(ValueError) as refused:
        parse_dsn("postgresql://u:p@h/d?sslmode=require&options=x&connect_timeout=5", "DATABASE_DSN")
    assert str(refused.value) == (
        "DATABASE_DSN: unsupported parameter(s) connect_timeout, options (supported: sslmode, sslrootcert)"
    )


def test_without_a_setting_name_errors_speak_of_the_database_address():
    with pytest.raises(ValueError, match=r"^the database address is not a postgresql://"):
        parse_dsn("mysql://u:p@h/d")
    with pytest.raises(ValueError, match=r"^the database address: sslmode must be one of"):
        ssl_context("verify")


def test_the_database_name_is_kept_whole():
    assert parse_dsn("postgresql://u:p@h/Xdocs")["database"] == "Xdocs"


def test_redact_hides_the_password_only():
    assert (
        redact("postgresql://search:s%40cret@127.0.0.1:5433/search") == "postgresql://search:***@127.0.0.1:5433/search"
    )
