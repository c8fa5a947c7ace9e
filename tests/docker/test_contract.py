"""The backend conformance suite on the real Docker engine: the same outcomes as the simulator."""

from __future__ import annotations

import pytest

from tests.backends.contract import BackendContract
from tests.docker.plans import DockerPlanRunner

pytestmark = pytest.mark.docker


class TestDockerContract(DockerPlanRunner, BackendContract):
    """The shared conformance suite, each plan run on the real engine."""
