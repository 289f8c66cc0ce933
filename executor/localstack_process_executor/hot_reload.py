"""Hot reloading for functions deployed from a local folder (LocalStack's ``hot-reload`` bucket).

LocalStack tells an executor nothing about edits to such a folder (in Docker mode the
watching is done inside the Lambda container). Here one poller thread per folder scans
it with ``os.scandir`` (following symlinks, skipping ``__pycache__``) every
``POLL_SECONDS``; a change counts once the folder has looked the same for one more poll
(debounce, so that a save in progress is not loaded half-written). Before each invoke,
:func:`before_invoke` stops an environment's runtime process that started before the
last change; the executor then starts a fresh one, as after a timeout. An invocation in
flight is never interrupted. A template process (``template``) older than the change is
replaced before it forks again, so no environment runs the old code.
"""

from __future__ import annotations

import logging
import os
import threading
import time

LOG = logging.getLogger(__name__)

POLL_SECONDS = 0.2
_SKIP = {"__pycache__", ".pytest_cache"}

_watchers: dict[str, FolderWatcher] = {}
_watchers_lock = threading.Lock()


def snapshot(folder: str) -> frozenset:
    """What the folder looks like: (path, size, mtime) of every file below it, symlinks followed."""
    entries = []
    stack = [folder]
    seen_dirs = set()
    while stack:
        current = stack.pop()
        try:
            real = os.path.realpath(current)
            if real in seen_dirs:
                continue
            seen_dirs.add(real)
            with os.scandir(current) as it:
                for entry in it:
                    if entry.name in _SKIP or entry.name.endswith(".pyc"):
                        continue
                    try:
                        if entry.is_dir():
                            stack.append(entry.path)
                        else:
                            info = entry.stat()
                            entries.append((entry.path, info.st_size, info.st_mtime_ns))
                    except OSError:
                        continue  # removed while scanning: the next poll sees it
        except OSError:
            continue
    return frozenset(entries)


class FolderWatcher:
    """Polls one folder; ``changed_at`` is the wall-clock time its last settled change was seen."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._state = snapshot(folder)
        # Until a change is seen, the newest file's time: an environment older than it is stale too.
        self.changed_at = max((mtime for _, _, mtime in self._state), default=0) / 1e9
        threading.Thread(target=self._run, name=f"hot-reload-{folder}", daemon=True).start()

    def _run(self) -> None:
        pending = None
        while True:
            time.sleep(POLL_SECONDS)
            current = snapshot(self.folder)
            if current == self._state:
                pending = None
            elif current != pending:
                pending = current  # changed: wait one more poll for it to settle
            else:
                self._state = current
                pending = None
                self.changed_at = time.time()
                LOG.info("Hot reload: %s changed; environments restart before their next invoke", self.folder)


def watcher_for(folder: str) -> FolderWatcher:
    with _watchers_lock:
        if folder not in _watchers:
            _watchers[folder] = FolderWatcher(folder)
        return _watchers[folder]


def changed_since(function_version, moment: float) -> bool:
    """Whether the hot-reloaded code of ``function_version`` changed at or after ``moment`` (wall clock)."""
    code = function_version.config.code
    if code is None or not code.is_hot_reloading():
        return False
    watcher = watcher_for(str(code.get_unzipped_code_location()))
    return bool(watcher.changed_at) and watcher.changed_at >= moment


def before_invoke(executor) -> None:
    """Stop the environment's idle runtime process if its hot-reloaded code changed since it was loaded.

    A forked environment's code is as old as its template (``code_loaded_at``).
    """
    process = executor._process
    if process is None or not process.alive:
        return
    if changed_since(executor.function_version, process.code_loaded_at):
        LOG.info("Hot reload: restarting %s with the new code", executor.function_version.qualified_arn)
        process.terminate()
