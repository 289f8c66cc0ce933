"""Browser tests: a dashboard served in this process, driven in Debian's headless Chromium.

They need the running stack (like tests/integration) and the chromium and
chromium-driver packages, installed here when absent (as root). Without root
and without the browser they are skipped with the command to run, except in CI,
where a missing browser fails.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from dashboard.app import create_app
from tests.integration.conftest import run_id, s3  # noqa: F401
from tests.support import free_port
from tests.ui import browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1000",
]


@pytest.fixture(scope="session")
def dashboard(cfg):
    """The dashboard's base URL, served by uvicorn on a free loopback port for this session."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(cfg), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = 50
    while not server.started and deadline:
        threading.Event().wait(0.1)
        deadline -= 1
    assert server.started, "the dashboard did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def driver(tmp_path_factory):
    try:
        browser.ensure_installed()
    except browser.BrowserMissing as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    options = webdriver.ChromeOptions()
    options.binary_location = str(browser.CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    chrome = webdriver.Chrome(options=options, service=Service(executable_path=str(browser.CHROMEDRIVER)))
    chrome.set_page_load_timeout(60)
    yield chrome
    chrome.quit()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
