"""Debian's headless Chromium and its driver for the browser tests, installed when absent.

    python -m tests.ui.browser     # what `make browser` runs

Installing needs root (apt-get); without it the error names the one command to run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PACKAGES = ["chromium", "chromium-driver"]
INSTALL_COMMAND = f"sudo apt-get install -y {' '.join(PACKAGES)}"


class BrowserMissing(RuntimeError):
    pass


def installed() -> bool:
    return os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)


def ensure_installed(log=print) -> None:
    """Install Debian's chromium and chromium-driver if either is missing (as root, with apt-get)."""
    if installed():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise BrowserMissing(
            f"the browser tests need {CHROMIUM} and {CHROMEDRIVER} (Debian's chromium and chromium-driver): "
            f"run `{INSTALL_COMMAND}`"
        )
    log(f"installing {' '.join(PACKAGES)} for the browser tests (apt-get) ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        # Package lists may be missing or stale on a fresh machine.
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        result = subprocess.run(install, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BrowserMissing(f"apt-get install {' '.join(PACKAGES)} failed:\n{result.stderr[-2000:]}")
    if not installed():
        raise BrowserMissing(f"{' '.join(PACKAGES)} installed, but {CHROMIUM} or {CHROMEDRIVER} is missing")


if __name__ == "__main__":
    try:
        ensure_installed()
    except BrowserMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    print(f"browser: {CHROMIUM} and {CHROMEDRIVER} present")
