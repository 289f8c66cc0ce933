"""S3 answers as the functions read them: not found and precondition failed by their codes;
reads that may find nothing."""

import pytest
from botocore.exceptions import ClientError

from pipeline_core import s3 as s3io


def error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "..."}}, "Operation")


@pytest.mark.parametrize("code", ["404", "NoSuchKey", "NotFound"])
def test_not_found_codes(code):
    assert s3io.is_not_found(error(code)) and not s3io.is_precondition_failed(error(code))


@pytest.mark.parametrize("code", ["412", "PreconditionFailed", "409", "ConditionalRequestConflict"])
def test_precondition_failed_codes(code):
    assert s3io.is_precondition_failed(error(code)) and not s3io.is_not_found(error(code))


def test_other_errors_are_neither():
    for failure in (error("AccessDenied"), error("500"), RuntimeError("no response"), ClientError({}, "Op")):
        assert not s3io.is_not_found(failure) and not s3io.is_precondition_failed(failure)
    assert s3io.error_code(RuntimeError("x")) is None
    assert s3io.error_code(error("SlowDown")) == "SlowDown"


class Client:
    """head_object / get_object that answer ``answer`` or raise it, recording the arguments."""

    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    def _call(self, **kwargs):
        self.calls.append(kwargs)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    head_object = get_object = _call


def test_head_answers_the_object_or_none_when_missing():
    assert s3io.head(Client({"ETag": '"e"'}), "b", "k") == {"ETag": '"e"'}
    assert s3io.head(Client(error("404")), "b", "k") is None


@pytest.mark.parametrize("code", ["412", "AccessDenied"])
def test_head_raises_anything_but_not_found(code):
    with pytest.raises(ClientError):
        s3io.head(Client(error(code)), "b", "k")


def test_get_passes_its_conditions_and_answers_none_when_missing_or_changed():
    client = Client({"Body": b""})
    assert s3io.get(client, "b", "k", IfMatch='"e"') == {"Body": b""}
    assert client.calls == [{"Bucket": "b", "Key": "k", "IfMatch": '"e"'}]
    assert s3io.get(Client(error("NoSuchKey")), "b", "k") is None
    assert s3io.get(Client(error("PreconditionFailed")), "b", "k", IfMatch='"e"') is None
    with pytest.raises(ClientError):
        s3io.get(Client(error("InternalError")), "b", "k")
