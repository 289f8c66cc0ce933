"""The functions' AWS clients.

The S3 client is boto3's, but sends a PutObject's body along with its headers. botocore
asks S3 to confirm a PutObject before sending the body (``Expect: 100-continue``) and
waits for the answer. The functions write documents and attempt markers: bodies of
kilobytes (a few MB at most), for which the wait saves nothing and costs every write a
round trip, on both sides. Imported by the handlers only: boto3 comes with every Python
runtime of Lambda, and the rest of the core needs nothing but the standard library.
"""

from __future__ import annotations

import boto3
from botocore.handlers import add_expect_header

# Where botocore registers add_expect_header (it checks the HTTP method itself).
EXPECT_EVENT = "before-call.s3"


def s3():
    """A new S3 client (see above) for the region and credentials of the function's environment."""
    client = boto3.client("s3")
    client.meta.events.unregister(EXPECT_EVENT, add_expect_header)
    return client
