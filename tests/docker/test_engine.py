"""The engine and images that scripts/services/docker.sh provides behave as the backend needs."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.docker


def test_stand_in_images_serve_both_architectures(docker_client: Any) -> None:
    for tag, arch in (("ubuntu:24.04", "amd64"), ("osmo-tui/base:arm64", "arm64")):
        image = docker_client.images.get(tag)
        assert image.attrs["Architecture"] == arch
        assert image.labels["org.osmo-tui.stand-in"] == "true"
    amd = docker_client.images.get("osmo-tui/base:amd64")
    assert amd.labels["org.osmo-tui.variant.arm64"] == "osmo-tui/base:arm64"


def test_arm64_container_runs_through_qemu(docker_client: Any) -> None:
    out = docker_client.containers.run(
        "osmo-tui/base:arm64", ["uname", "-m"], platform="linux/arm64", remove=True
    )
    assert out.decode().strip() == "aarch64"


def test_bash_and_busybox_applets(docker_client: Any) -> None:
    script = "echo {1..3}; printf 'b\\na\\n' | sort | tr a-z A-Z | paste -sd,"
    out = docker_client.containers.run("ubuntu:24.04", ["bash", "-c", script], remove=True)
    assert out.decode().split() == ["1", "2", "3", "A,B"]
