"""The README stays true: every setting in settings/config.py is documented with its default."""

from __future__ import annotations

import re

from settings.config import PROJECT_ROOT, SETTINGS

README = (PROJECT_ROOT / "README.md").read_text()


def test_every_setting_is_documented_with_its_default():
    table = README.split("<!-- settings-table:start -->")[1].split("<!-- settings-table:end -->")[0]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| `([^`]*)` \|", table, re.M)}
    assert rows == {name: default for name, (default, _) in SETTINGS.items()}


def test_every_make_target_in_the_readme_exists():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.M))
    mentioned = set(re.findall(r"`make ([a-z-]+)", README))
    assert mentioned <= targets, mentioned - targets
