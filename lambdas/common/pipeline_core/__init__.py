"""The core both functions share: S3 events, the uploads/ <-> extracted/ key mapping,
the record loop, the extracted-document contract, settings and S3 helpers.

Bundled into each function's zip (``bootstrap.packaging``); the CLI imports the key
mapping from here too, so that every part of the project maps keys the same way.
Standard library only (botocore errors are recognised by their shape), but for the
functions' S3 client (``clients``: boto3, which every Lambda Python runtime has).
"""
