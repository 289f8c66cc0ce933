import sys

from bootstrap.deploy import NotRunning, deploy
from bootstrap.hot_reload import NotReadable
from bootstrap.storage import RecursionLoopError
from settings import config, db


def main() -> int:
    try:
        report = deploy(config.load())
    except (NotRunning, NotReadable, RecursionLoopError, db.DatabaseUnavailable, db.MigrationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
