import io

import pytest
from botocore.response import StreamingBody

from extractor.formats import markdown_text
from extractor.spool import IN_MEMORY_BYTES, BodyTooLarge, spool


def _body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def test_spool_copies_the_body_and_rewinds():
    with spool(_body(b"hello"), max_bytes=5) as file:
        assert file.read() == b"hello"


def test_spool_moves_large_bodies_to_disk():
    data = b"x" * (IN_MEMORY_BYTES + 1)
    with spool(_body(data), max_bytes=len(data)) as file:
        assert file._rolled
        assert file.read() == data


def test_spool_refuses_bodies_over_the_limit():
    with pytest.raises(BodyTooLarge) as refused:
        spool(_body(b"x" * 11), max_bytes=10)
    assert str(refused.value) == "body exceeds 10 bytes"
    assert refused.value.received == 11


def test_spool_reads_the_body_in_chunks_of_a_mebibyte():
    asked = []
    body = _body(b"x" * 10)
    real = body.iter_chunks
    body.iter_chunks = lambda size: asked.append(size) or real(size)
    with spool(body, max_bytes=10) as file:
        assert file.read() == b"x" * 10
    assert asked == [1024 * 1024]


def test_extractors_stop_reading_once_the_budget_is_spent():
    class Lines:
        def __init__(self):
            self.lines = iter(["0123456789\n", "\n"] * 20_000)

        def readline(self, size=-1):
            line = next(self.lines, None)
            if line is None:
                raise AssertionError("read past the budget")
            return line

    assert markdown_text.extract(Lines(), 25).truncated is True
