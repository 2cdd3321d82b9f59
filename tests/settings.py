"""Settings for the test suite: the app's own settings with background jobs driven by the tests."""

from app.settings import *  # noqa: F403

# Tests run jobs explicitly with `jobs.drain()`: no thread races the assertions.
TASKS_MODE = "manual"
