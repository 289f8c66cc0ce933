"""Full-text search over the indexed documents, and the search command (``pipeline search``).

Queries use web-search syntax: words (stemmed, accents ignored), "a phrase",
``or``, and ``-word`` to exclude. Chinese, Japanese and Korean words match as
runs of consecutive characters. A document also matches by its key and file
name, which outrank its content; documents that could not be extracted
(status other than ok) are found by name.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import asdict, dataclass
from datetime import datetime

from pg8000.exceptions import DatabaseError

from settings import db
from settings.config import Config
from settings.errors import UserError
from settings.printable import printable, printable_json
from settings.text_input import require_text

# The characters the database's search_text() sets apart (bootstrap/migrations/0001_documents.sql).
CJK_CHARACTER = (
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002ffff]"
)
# A run of CJK characters, with the minus that excludes it (one that starts a word).
CJK_TERM = re.compile(f"((?<![^\\s])-)?({CJK_CHARACTER}+)")
TOKEN_SEPARATOR = "\x1f"
START, STOP = "\x02", "\x03"  # highlight marks from ts_headline, never in the snippet we return
HEADLINE_OPTIONS = (
    f'StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "'
)
CONNECT_TIMEOUT = 5

SEARCH = """
WITH matches AS (
    SELECT d.*, q.query, ts_rank(d.search_vector, q.query) AS rank
    FROM documents d,
         (SELECT websearch_to_tsquery('document_search', :query) AS query) q
    WHERE d.search_vector @@ q.query
    ORDER BY rank DESC, d.key
    LIMIT :limit
)
SELECT bucket, key, ts_headline('document_search', search_text(content), query, :options),
       rank, size, content_type, status, error, extracted_at, indexed_at
FROM matches
ORDER BY rank DESC, key
"""


@dataclass(frozen=True)
class Hit:
    bucket: str
    key: str
    snippet: str  # matches marked [[like this]]
    rank: float
    size: int | None
    content_type: str | None
    status: str
    error: str | None
    extracted_at: datetime
    indexed_at: datetime

    def to_json(self) -> dict:
        data = asdict(self)
        data["extracted_at"] = self.extracted_at.isoformat()
        data["indexed_at"] = self.indexed_at.isoformat()
        return data


def prepare_query(query: str) -> str:
    """Turn each CJK run of a web-search query into a phrase of single characters.

    The database indexes CJK text character by character, so 東京 must be
    searched as the phrase "東 京". Inside a quoted phrase the characters are
    only spaced out; a leading ``-`` keeps excluding.
    """
    in_phrase = False
    out = []
    for part in re.split(r'(")', query):
        if part == '"':
            in_phrase = not in_phrase
            out.append(part)
        elif in_phrase:
            out.append(CJK_TERM.sub(lambda m: f" {m.group(1) or ''}{' '.join(m.group(2))} ", part))
        else:
            out.append(CJK_TERM.sub(lambda m: f' {m.group(1) or ""}"{" ".join(m.group(2))}" ', part))
    return "".join(out)


def clean_snippet(headline: str) -> str:
    """Snippet text from ts_headline: separators gone, adjacent marks merged, [[marks]]."""
    text = headline.replace(TOKEN_SEPARATOR, "")
    text = text.replace(STOP + START, "")
    text = re.sub(r"\s+", " ", text).strip()
    return text.replace(START, "[[").replace(STOP, "]]")


def search(conn, query: str, limit: int = 10) -> list[Hit]:
    """Documents matching ``query``, best first."""
    require_text(query, "the search")
    rows = conn.run(SEARCH, query=prepare_query(query), limit=limit, options=HEADLINE_OPTIONS)
    return [
        Hit(
            bucket=bucket,
            key=key,
            snippet=clean_snippet(headline or ""),
            rank=round(float(rank), 6),
            size=size,
            content_type=content_type,
            status=status,
            error=error,
            extracted_at=extracted_at,
            indexed_at=indexed_at,
        )
        for bucket, key, headline, rank, size, content_type, status, error, extracted_at, indexed_at in rows
    ]


# --- the command ---------------------------------------------------------------
# pragma: no mutate start  (make mutation: output formatting, see pyproject.toml)


def _human_size(size: int | None) -> str:
    if size is None:
        return "size unknown"
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _highlight(snippet: str, bold: bool) -> str:
    start, stop = ("\033[1m", "\033[22m") if bold else ("**", "**")
    return snippet.replace("[[", start).replace("]]", stop)


def format_hits(hits: list[Hit], query: str, bold: bool = False) -> str:
    query = printable(query)
    if not hits:
        return f"No documents match: {query}"
    noun = "document matches" if len(hits) == 1 else "documents match"
    lines = [f"{len(hits)} {noun}: {query}", ""]
    for number, hit in enumerate(hits, start=1):
        facts = [_human_size(hit.size)]
        if hit.content_type:
            facts.append(printable(hit.content_type))
        facts.append(f"extracted {hit.extracted_at:%Y-%m-%d %H:%M:%S %Z}".rstrip())
        facts.append(f"rank {hit.rank:.3f}")
        lines.append(f"{number:>2}. {printable(hit.key)}")
        lines.append("    " + " · ".join(facts))
        if hit.status != "ok":
            lines.append(f"    {printable(hit.status)}: {printable(hit.error or 'no reason given')}")
        if hit.snippet:
            lines.append("    " + _highlight(printable(hit.snippet), bold))
        lines.append("")
    return "\n".join(lines).rstrip()


def _use_bold() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _database_problem(exc: DatabaseError) -> str:
    fields = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    code = fields.get("C")
    if code in ("42P01", "42704", "42883"):  # no such table, text search configuration, function
        return "the search database has no schema yet: run `make bootstrap`"
    if code in ("28P01", "28000", "3D000"):  # bad password, no such role, no such database
        return f"the search database refused the connection ({fields.get('M')}): check the POSTGRES_* settings"
    return f"the search failed: {fields.get('M', exc)}"


def run(cfg: Config, query: str, *, limit: int = 10, as_json: bool = False) -> int:
    """The search command: hits for people (or JSON for scripts) on stdout."""
    query = query.strip()
    if not query:
        raise UserError("the query is empty: e.g. make search q='invoice -draft'")
    try:
        conn = db.connect(cfg.database_dsn(), timeout=CONNECT_TIMEOUT)
    except db.DatabaseUnavailable as exc:
        raise UserError(f"{exc}: the stack is not running: run `make up`") from None
    except DatabaseError as exc:
        raise UserError(_database_problem(exc)) from None
    try:
        hits = search(conn, query, limit=limit)
    except DatabaseError as exc:
        raise UserError(_database_problem(exc)) from None
    finally:
        conn.close()

    if as_json:
        print(printable_json({"query": query, "hits": [hit.to_json() for hit in hits]}, ensure_ascii=False, indent=2))
    else:
        print(format_hits(hits, query, bold=_use_bold()))
    return 0


# pragma: no mutate end
