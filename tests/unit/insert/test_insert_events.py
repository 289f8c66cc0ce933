import pytest
from indexer.events import CREATED, REMOVED, parse_record, source_key
from indexer.settings import Settings
from insert_samples import BUCKET, record


@pytest.mark.parametrize(
    ("sent", "decoded"),
    [
        ("extracted/My+File.txt", "extracted/My File.txt"),
        ("extracted/a%2Bb.txt", "extracted/a+b.txt"),
        ("extracted/100%25.txt", "extracted/100%.txt"),
        ("extracted/caf%C3%A9/%E6%9D%B1%E4%BA%AC.txt", "extracted/café/東京.txt"),
        ("extracted/a/b/c/d.txt", "extracted/a/b/c/d.txt"),
    ],
)
def test_keys_are_decoded_as_s3_sends_them(sent, decoded):
    assert parse_record(record("ObjectCreated:Put", sent)).key == decoded


@pytest.mark.parametrize(
    ("event_name", "action"),
    [
        ("ObjectCreated:Put", CREATED),
        ("ObjectCreated:CompleteMultipartUpload", CREATED),
        ("s3:ObjectCreated:Copy", CREATED),
        ("ObjectRemoved:Delete", REMOVED),
        ("ObjectRemoved:DeleteMarkerCreated", REMOVED),
        ("ObjectRestore:Completed", "ObjectRestore:Completed"),
    ],
)
def test_event_names_map_to_actions(event_name, action):
    change = parse_record(record(event_name, "extracted/x.txt"))
    assert (change.action, change.bucket) == (action, BUCKET)


def test_a_record_without_s3_details_is_rejected():
    with pytest.raises(ValueError, match="not an S3 event record"):
        parse_record({"eventName": "ObjectCreated:Put"})


@pytest.mark.parametrize(
    ("extracted", "upload"),
    [
        ("extracted/a/b.pdf", "uploads/a/b.pdf"),
        ("extracted/My File.txt", "uploads/My File.txt"),
        ("extracted/", None),
        ("uploads/a.txt", None),
        ("elsewhere/extracted/a.txt", None),
    ],
)
def test_source_key_maps_extracted_to_uploads(extracted, upload):
    assert source_key(extracted, "extracted/", "uploads/") == upload


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_DSN", "postgresql://u:p@db:5432/search")
    monkeypatch.setenv("UPLOAD_PREFIX", "in/")
    monkeypatch.delenv("EXTRACTED_PREFIX", raising=False)
    assert Settings.from_env() == Settings("postgresql://u:p@db:5432/search", "in/", "extracted/")


def test_settings_require_the_database_address(monkeypatch):
    monkeypatch.delenv("DATABASE_DSN", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_DSN is not set"):
        Settings.from_env()
