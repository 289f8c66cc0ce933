"""Constants shared by the extract function's unit tests."""

BUCKET = "file-upload-extraction-example"
# What bootstrap passes to the function (the defaults of settings/config.py).
FUNCTION_ENVIRONMENT = {
    "UPLOAD_PREFIX": "uploads/",
    "EXTRACTED_PREFIX": "extracted/",
    "MAX_CONTENT_CHARS": "1000000",
    "MAX_OBJECT_BYTES": "104857600",
}
