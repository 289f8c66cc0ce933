"""Snippets from ts_headline come back on one line, marks merged and shown as [[...]]."""

from operations.search import clean_snippet


def test_a_snippet_is_one_line_with_single_spaces():
    assert clean_snippet("  a\n\n\x02b\x03\t \x1fc  ") == "a [[b]] c"
