"""The backend port's capabilities are data the app can show in one line."""

from __future__ import annotations

from simulator.engine.port import Capabilities


def test_capabilities_summary_names_arches_gpus_and_storage() -> None:
    docker = Capabilities(
        name="docker", arches=frozenset({"amd64"}), emulated_arches=frozenset({"arm64"}), gpus=1
    )
    assert docker.summary() == "amd64, arm64 (emulated) · 1 GPU · no storage limits"
    cluster = Capabilities(
        name="kubernetes", arches=frozenset({"arm64", "amd64"}), gpus=8, storage_limits=True
    )
    assert cluster.summary() == "amd64, arm64 · 8 GPUs"
