"""Nothing is fetched from elsewhere at run time: every script and style is served by the dashboard."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard import vendor

HERE = Path(vendor.__file__).resolve().parent


def test_pages_load_only_their_own_files():
    for template in (HERE / "templates").glob("*.html"):
        for url in re.findall(r'(?:src|href)="([^"]*)"', template.read_text()):
            assert not re.match(r"^(\w+:)?//", url), f"{template.name} loads {url}"


def test_every_vendored_package_is_present():
    for name, (_version, _integrity, files) in vendor.PACKAGES.items():
        for file in files:
            assert (vendor.VENDOR_DIR / name / Path(file).name).stat().st_size > 0
