from __future__ import annotations

from collections.abc import Iterator

import pytest

from .receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local HTTP target for webhooks (answers 200 {} unless told otherwise)."""
    target = Receiver().start()
    yield target
    target.stop()
