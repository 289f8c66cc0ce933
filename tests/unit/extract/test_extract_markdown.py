"""Markdown's readable lines, and where the streamed file is cut into chunks (a link reference
definition applies within its chunk, so an unresolved ``[see][r]`` shows that a cut fell between)."""

from __future__ import annotations

import io

import pytest

from extractor.formats import markdown_text
from extractor.formats.markdown_text import CHUNK_CHARS, readable_lines

LINK = "[see][r]\n"
DEFINITION = "\n[r]: https://example.com\n"


def lines(markdown: str, max_chars: int = 10**6) -> list[str]:
    return markdown_text.extract(io.StringIO(markdown), max_chars).content.split("\n")


def test_inline_pieces_join_into_one_line():
    assert list(readable_lines("para *em* and `code`\nnext line\n\n---\n\n> quote")) == [
        "para em and code",
        "next line",
        "",
        "quote",
    ]
    assert list(readable_lines("| h1 | h2 |\n|---|---|\n| c1 | *c2* x |\n\ntext\n")) == ["h1 h2", "c1 c2 x", "text"]


def test_code_keeps_its_lines_as_written_and_html_blocks_lose_their_tags():
    code = "```\n    indented\n# not a heading\n\ntrailing  \n```\n"
    assert list(readable_lines(code)) == ["    indented", "# not a heading", "", "trailing  "]
    assert list(readable_lines("```\nends with X\n```\n")) == ["ends with X"]
    assert list(readable_lines("<div>\n  a\n  b\n</div>\n")) == ["", "a", "b", "", ""]


def test_the_last_line_of_a_file_without_a_line_end_stays_whole():
    assert lines("hello world") == ["hello world"]


def test_a_line_of_exactly_the_chunk_size_is_not_cut():
    line = ("word " * CHUNK_CHARS)[: CHUNK_CHARS - 2] + "x\n"  # no space to cut at near its end
    assert [len(piece) for piece in lines(line + "next\n")] == [CHUNK_CHARS - 1, 4]


def test_a_longer_line_is_cut_after_spaces_into_pieces_of_at_most_the_chunk_size():
    text = "word " * 30_000
    pieces = lines(text)
    assert " ".join(pieces) == text.strip()
    assert [len(piece) for piece in pieces] == [CHUNK_CHARS - 2, CHUNK_CHARS - 2, 150_000 - 2 * CHUNK_CHARS + 1]


def filler(size: int, blank_lines: bool) -> str:
    """Paragraph text of exactly ``size`` characters."""
    line = "filler words\n\n" if blank_lines else "filler words\n"
    text = line * (size // len(line))
    return text + "x" * (size - len(text) - 1) + "\n" if size > len(text) else text


@pytest.mark.parametrize(("before", "cut"), [(CHUNK_CHARS - 10, True), (CHUNK_CHARS - 11, False)])
def test_a_chunk_ends_at_the_first_blank_line_from_the_chunk_size_on(before, cut):
    markdown = filler(before, blank_lines=False) + LINK + DEFINITION
    assert len(filler(before, blank_lines=False) + LINK + "\n") == before + 10
    assert lines(markdown)[-1] == ("[see][r]" if cut else "see")


def test_a_chunk_never_ends_inside_fenced_code():
    fenced = "```\n" + "c" * 300 + "\n\n# inside code\n```\n"
    markdown = filler(CHUNK_CHARS - 200, blank_lines=True) + fenced + LINK + DEFINITION
    assert lines(markdown)[-3:] == ["c" * 300, "# inside code", "[see][r]"]  # cut after the fence, not in it


def test_text_after_a_code_block_in_a_list_item_is_read_as_text_again():
    # a tight list item has no paragraph event: the code block's end is what ends code mode
    assert list(readable_lines("- ```\n  code\n  ```\n  ``  x  ``\n")) == ["code", "x"]


def test_the_rest_of_a_cut_line_is_read_on_with_room_for_what_was_carried():
    line = "a" * (CHUNK_CHARS - 3) + " " + "b" * (2 * CHUNK_CHARS)  # the first cut carries "bb" over
    pieces = lines(line + "\n")
    assert "".join(pieces) == line.replace(" ", "")
    assert [len(piece) for piece in pieces] == [CHUNK_CHARS - 3, CHUNK_CHARS, CHUNK_CHARS]


def test_without_blank_lines_a_chunk_ends_at_twice_the_chunk_size():
    heading = "# [see][r]\n"
    before = filler(2 * CHUNK_CHARS - len(heading), blank_lines=False)
    assert lines(before + heading + "[r]: https://example.com\n")[-1] == "[see][r]"  # cut right after the heading
    assert lines(before[1:] + heading + "[r]: https://example.com\n")[-1] == "see"  # one short: not yet


def test_the_next_chunk_counts_its_size_from_zero():
    first = filler(CHUNK_CHARS - 1, blank_lines=False) + "\n"  # ends the first chunk at its blank line
    markdown = first + filler(CHUNK_CHARS - 11, blank_lines=False) + LINK + DEFINITION
    assert lines(markdown)[-1] == "see"  # as in a first chunk: CHUNK_CHARS - 11 does not reach the cut
