"""The one error type for problems a person can fix.

Every error the project raises for a person to act on (stack not running, port taken, Python
3.13 missing, a bad key...) is a :class:`UserError`: its message says what is wrong and the one
command that fixes it. The command line catches it in one place (``cli.app.main``) and prints it
without a traceback; anything else is a bug and keeps its traceback.
"""


class UserError(RuntimeError):
    """Something the user can fix; the message names the fix."""
