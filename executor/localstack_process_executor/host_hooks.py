"""LocalStack start-up hooks for running LocalStack as a local process.

LocalStack 4.14.0 keeps S3 object bodies under the fixed folder
``/tmp/localstack-s3-storage``: every LocalStack on the machine would share
it, and an unprivileged LocalStack cannot write it once another user made it.
This moves it under LocalStack's own ``TMPDIR``. Services load lazily, after
these hooks, so the S3 provider is created with the new folder.
"""

import os
import tempfile

from localstack.runtime import hooks


@hooks.on_infra_start()
def _s3_storage_under_tmpdir():
    from localstack.services.s3 import provider

    provider.DEFAULT_S3_TMP_DIR = os.path.join(tempfile.gettempdir(), "localstack-s3-storage")
