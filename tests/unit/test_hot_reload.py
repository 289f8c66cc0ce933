"""Hot reload without a stack: the code folder bootstrap assembles, and the executor's watcher."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

from bootstrap import hot_reload
from bootstrap.packaging import CORE_DIR
from lifecycle import compose
from localstack_process_executor import hot_reload as watcher
from settings import config
from settings.config import PROJECT_ROOT
from tests.support import poll_until


def test_the_code_folder_links_the_function_and_the_shared_core_and_drops_what_left(tmp_path, monkeypatch):
    cfg = config.load()
    source = tmp_path / "source"
    (source / "pkg").mkdir(parents=True)
    (source / "handler.py").write_text("def handler(e, c): return 1\n")
    (source / "gone.py").write_text("")
    (source / "requirements.txt").write_text("")
    monkeypatch.setattr(hot_reload, "vendored_dependencies", lambda *_: tmp_path / "deps")
    monkeypatch.setattr(hot_reload, "check_readable", lambda code: None)

    hot_reload.assemble("extract", cfg, source_dir=source, folder=tmp_path / "fn")
    (source / "gone.py").unlink()
    code = hot_reload.assemble("extract", cfg, source_dir=source, folder=tmp_path / "fn")

    assert sorted(p.name for p in code.code_dir.iterdir()) == ["handler.py", "pipeline_core", "pkg"]
    assert (code.code_dir / "pipeline_core").resolve() == CORE_DIR.resolve()
    assert (code.code_dir / "handler.py").resolve() == (source / "handler.py").resolve()
    assert code.layer_dir.resolve() == tmp_path / "deps"
    assert code.code == {"S3Bucket": "hot-reload", "S3Key": str(code.code_dir)}
    assert code.location == f"file://{code.code_dir}"
    assert code.environment()["PYTHONPATH"] == str(code.layer_dir)


def test_docker_mode_runs_lambdas_itself_with_the_layer_from_the_mounted_cache(monkeypatch, tmp_path):
    cfg = config.load()
    monkeypatch.setattr(hot_reload, "vendored_dependencies", lambda *_: tmp_path / "extract-deps-abc")
    code = hot_reload.for_docker("extract", cfg)
    assert code.code_dir == (PROJECT_ROOT / "lambdas").resolve()
    assert (
        code.environment()["PYTHONPATH"]
        == "/var/task/extract:/var/task/common:/opt/pipeline-build/extract-deps-abc:/var/runtime"
    )
    assert f"{cfg.build_dir.resolve()}:/opt/pipeline-build:ro" in compose.docker_flags(cfg)


def test_a_snapshot_follows_symlinks_and_ignores_compiled_files(tmp_path):
    real = tmp_path / "real"
    (real / "__pycache__").mkdir(parents=True)
    (real / "mod.py").write_text("x = 1\n")
    code = tmp_path / "code"
    code.mkdir()
    (code / "pkg").symlink_to(real)
    before = watcher.snapshot(str(code))
    (real / "__pycache__" / "mod.cpython-312.pyc").write_bytes(b"compiled")
    assert watcher.snapshot(str(code)) == before
    (real / "mod.py").write_text("x = 22\n")
    assert watcher.snapshot(str(code)) != before


class FakeProcess:
    def __init__(self) -> None:
        self.code_loaded_at = time.time()  # before any change below
        self.alive = True

    def terminate(self) -> None:
        self.alive = False


def _executor(folder, process):
    code = SimpleNamespace(is_hot_reloading=lambda: True, get_unzipped_code_location=lambda: folder)
    return SimpleNamespace(
        function_version=SimpleNamespace(config=SimpleNamespace(code=code), qualified_arn="arn:test"), _process=process
    )


def test_an_environment_older_than_a_settled_change_is_restarted_before_its_invoke(tmp_path):
    (tmp_path / "handler.py").write_text("v = 1\n")
    process = FakeProcess()
    os.utime(tmp_path / "handler.py", (0, 0))  # the code is older than the process
    executor = _executor(str(tmp_path), process)
    watcher.before_invoke(executor)
    assert process.alive, "restarted without a change"

    (tmp_path / "handler.py").write_text("v = 2\n")
    poll_until(
        lambda: watcher.watcher_for(str(tmp_path)).changed_at > time.time() - 60,
        timeout=10,
        what="the watcher to see the change",
    )
    watcher.before_invoke(executor)
    assert not process.alive, "kept an environment running the old code"


def test_zip_functions_are_left_alone():
    process = FakeProcess()
    code = SimpleNamespace(is_hot_reloading=lambda: False)
    executor = SimpleNamespace(function_version=SimpleNamespace(config=SimpleNamespace(code=code)), _process=process)
    watcher.before_invoke(executor)
    assert process.alive
