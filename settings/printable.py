"""Neutralising terminal control characters in what the CLI prints.

Keys, file content, error messages and log lines come from uploads: an escape
sequence in any of them would otherwise be executed by the terminal (colours, cursor
moves, window titles, hyperlinks) or, with a newline or a bidirectional override,
forge output lines. ``printable`` shows such characters as visible escapes (``\\x1b``,
``\\n``, ``\\u202e``); ``printable_json`` does the same inside JSON strings, where the
escapes stay valid JSON.
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 controls (except tab), DEL, C1 controls, bidirectional overrides and isolates,
# and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: Any) -> str:
    """``value`` as text safe to print on a terminal: control characters made visible."""
    return _CONTROL.sub(_escape, str(value))


# json.dumps escapes C0 controls itself; with ensure_ascii=False these stay raw.
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable_json(data: Any, **dumps_options: Any) -> str:
    """``json.dumps`` whose output carries no raw control character (escaped as ``\\uXXXX``).

    Outside strings JSON has no such characters, so every replacement is inside a string,
    where the escape means the same character.
    """
    return _RAW_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", json.dumps(data, **dumps_options))
