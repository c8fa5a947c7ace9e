"""The kubelet's `$(VAR)` expansion on the real Docker engine: the shared table, end to end.

Each task checks its own argv and env (`cmp`) and exits 0 only if they match; the file-path run
exits 0 only if `$(READER) $(FILE_PATH)` became `cat /opt/data/input.txt` (unexpanded,
`$(READER)` is not found: 127).
"""

from __future__ import annotations

import pytest

from tests.backends.expansion import ExpansionContract
from tests.docker.plans import DockerPlanRunner

pytestmark = pytest.mark.docker


class TestDockerExpansion(DockerPlanRunner, ExpansionContract):
    """The shared `$(VAR)` table, each plan run on the real engine."""
