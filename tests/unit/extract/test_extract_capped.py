"""The character cap and work budget every text extractor shares, and how much of a stream
the plain-text and HTML extractors read."""

from __future__ import annotations

import io

from extractor.formats import html_text, plain_text
from extractor.formats.capped_text import PIECE_COST, CappedText


def test_text_up_to_the_cap_fits_and_separators_count():
    assert CappedText(20).add("a" * 20) is True  # the first piece has no separator
    text = CappedText(100)
    assert (text.add("a" * 50), text.add("b" * 49)) == (True, True)  # 50 + 1 + 49
    assert text.add("c") is False
    assert text.result().content == "a" * 50 + "\n" + "b" * 49  # cut at the cap


def test_empty_pieces_spend_the_work_budget_of_twice_the_cap():
    assert PIECE_COST == 8
    text = CappedText(8)  # budget 16: two empty pieces fit, the third does not
    assert [text.add("") for _ in range(3)] == [True, True, False]
    result = text.result()
    assert (result.content, result.truncated) == ("", True)
    assert result.warnings == (
        "stopped after 3 pieces (0 with text): the file is mostly empty paragraphs, lines or cells",
    )


def test_a_full_cap_is_not_reported_as_empty_pieces():
    text = CappedText(8)
    assert text.add("abcdefgh") is True  # exactly the cap: work 16, within the budget
    assert text.add("") is False  # over the budget with the text at the cap: exhausted
    assert text.result().warnings == (
        "stopped after 2 pieces (1 with text): the file is mostly empty paragraphs, lines or cells",
    )


class Reads(io.StringIO):
    """A text stream that records the sizes asked of read()."""

    def __init__(self, text: str):
        super().__init__(text)
        self.asked: list[int | None] = []

    def read(self, size=-1):
        self.asked.append(size)
        return super().read(size)


def test_plain_text_reads_one_character_past_the_cap():
    stream = Reads("x" * 100)
    assert plain_text.extract(stream, 10).truncated is True
    assert stream.asked == [11]


def test_html_is_read_in_chunks_and_stops_at_the_cap():
    stream = Reads("<p>paragraph</p>\n" * 20_000)
    text = html_text.extract(stream, 30)
    assert text.content.startswith("paragraph\nparagraph") and text.truncated
    assert stream.asked == [html_text.CHUNK_CHARS]


def test_html_text_after_the_last_block_and_broken_markup_are_kept():
    assert html_text.extract(io.StringIO("<p>unclosed <b>bold</p></i><div>a</div>tail"), 1000).content == (
        "unclosed bold\na\ntail"
    )
    assert html_text.extract(io.StringIO("<pre>one\ntwo</pre>"), 1000).content == "one\ntwo"


def test_hidden_elements_hide_everything_inside_them():
    page = "<div hidden><p>first</p><p>second</p></div><p>shown</p>"
    assert html_text.extract(io.StringIO(page), 1000).content == "shown"
