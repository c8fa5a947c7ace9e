"""Every kind of user input the fuzz suite mutates, with its seeds and how one case is run:
workflows, scenarios, pool configs, credential stores, key maps and run-store files."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import COOKBOOK, EXAMPLES
from tests.fuzz.harness import Outcome, run_cli, timed

BASE_WORKFLOW = """\
workflow:
  name: fuzz
  groups:
  - name: prep
    tasks:
    - name: train
      lead: true
      image: ubuntu
      command: [bash, -c, "sleep 5; exit 0"]
      credentials:
        wandb: /etc/wandb
  - name: check
    tasks:
    - name: evaluate
      image: ubuntu
      command: [bash, -c, "sleep 2"]
      inputs: [{task: train}]
"""
SCENARIO = """\
seed: 7
jitter: 0.1
pool: {max_retry_per_task: 2}
default: {duration: 1, exit_code: 0, queue: 0, init: 0}
tasks:
  train:
    duration: 120
    queue: 30
    attempts:
      - {exit_code: 16, duration: 40}
      - {exit_code: 0, duration: 80}
    logs: ["epoch 1", "epoch 2"]
  evaluate: {status: FAILED_PREEMPTED, message: preempted}
events:
  - {at: 50, cancel: workflow}
"""
CREDENTIALS = "wandb:\n  api_key: not-a-real-key\naws:\n  id: AKIA\n  secret: not-a-secret\n"
KEYS_TOML = '[keys]\nquit = "q,ctrl+q"\ncancel_workflow = "C"\nrerun = "r"\n'
KEYS_YAML = "keys:\n  quit: q\n  step: n\n"


def _read(paths: list[Path]) -> list[str]:
    return [p.read_text() for p in paths if p.is_file()]


def workflow_seeds() -> list[str]:
    files = [*sorted(EXAMPLES.rglob("*.yaml")), *sorted(COOKBOOK.rglob("*.yaml"))]
    return [BASE_WORKFLOW, *_read([p for p in files if p.name != "osmo-pool.yaml"])]


WORKFLOW_COMMANDS = (
    ["validate"],
    ["validate", "--format", "json"],
    ["render"],
    ["graph"],
    ["graph", "--format", "json"],
    ["simulate", "--no-record"],
    ["simulate", "--json", "--no-record"],
)


@dataclass
class Kind:
    name: str
    seeds: Callable[[], list[str]]
    run: Callable[[Path, bytes, random.Random], Outcome]


def _workflow(tmp: Path, data: bytes, rng: random.Random) -> Outcome:
    path = tmp / "wf.yaml"
    path.write_bytes(data)
    return run_cli([*rng.choice(WORKFLOW_COMMANDS), str(path)])


def _base(tmp: Path) -> Path:
    path = tmp / "base.yaml"
    path.write_text(BASE_WORKFLOW)
    return path


def _scenario(tmp: Path, data: bytes, rng: random.Random) -> Outcome:
    path = tmp / "scenario.yaml"
    path.write_bytes(data)
    return run_cli(["simulate", str(_base(tmp)), "--scenario", str(path), "--no-record"])


def _pool(tmp: Path, data: bytes, rng: random.Random) -> Outcome:
    path = tmp / "pool.yaml"
    path.write_bytes(data)
    command = rng.choice([["validate"], ["simulate", "--no-record"]])
    return run_cli([*command, str(_base(tmp)), "--pool-config", str(path)])


def _credentials(tmp: Path, data: bytes, rng: random.Random) -> Outcome:
    path = tmp / "credentials.yaml"
    path.write_bytes(data)
    previous = os.environ.get("OSMO_TUI_CREDENTIALS")
    os.environ["OSMO_TUI_CREDENTIALS"] = str(path)
    try:
        return run_cli(["validate", str(_base(tmp))])
    finally:
        if previous is None:
            os.environ.pop("OSMO_TUI_CREDENTIALS", None)
        else:
            os.environ["OSMO_TUI_CREDENTIALS"] = previous


def _keys(tmp: Path, data: bytes, rng: random.Random) -> Outcome:
    from osmo_tui.app.keys import load_keymap
    from simulator.errors import UsageError

    (tmp / rng.choice(["keys.toml", "keys.yaml"])).write_bytes(data)

    def call() -> int:
        try:
            load_keymap(tmp)
        except UsageError as exc:
            assert "\n" not in str(exc).strip(), "a key-map error must be one line"
            return 2
        return 0

    code, seconds, crashed = timed(call)
    return Outcome(code, "", "", seconds, crashed)


_TEMPLATE: list[Path] = []
RUN_FILES = ("meta.json", "events.jsonl", "report.json", "spec.yaml", "logs/train.log")


def recorded_run() -> Path:
    """A real recorded run (simulate of the base workflow), made once per process."""
    if not _TEMPLATE:
        import tempfile

        store = Path(tempfile.mkdtemp(prefix="osmo-tui-fuzz-store-"))
        previous = os.environ.get("OSMO_TUI_RUNS_DIR")
        os.environ["OSMO_TUI_RUNS_DIR"] = str(store)
        try:
            outcome = run_cli(
                ["simulate", str(_base(store)), "--scenario", str(_scenario_file(store))]
            )
        finally:
            _restore("OSMO_TUI_RUNS_DIR", previous)
        assert outcome.code in (0, 1), outcome.err
        (run,) = [p for p in store.iterdir() if p.is_dir()]
        _TEMPLATE.append(run)
    return _TEMPLATE[0]


def _scenario_file(where: Path) -> Path:
    path = where / "scenario.yaml"
    path.write_text(SCENARIO.replace("events:\n  - {at: 50, cancel: workflow}\n", ""))
    return path


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def run_store_seeds() -> list[str]:
    run = recorded_run()
    return [(run / name).read_text() for name in RUN_FILES if (run / name).is_file()]


def _run_store(tmp: Path, data: bytes, rng: random.Random) -> Outcome:
    """One damaged file in a copy of a real run: `runs` must list it (exit 0), loading it for
    replay must be a one-line error or work."""
    from simulator.errors import OsmoTuiError
    from simulator.run.replay import prepare_replay as load_recorded

    store = tmp / "runs"
    run = store / recorded_run().name
    shutil.copytree(recorded_run(), run)
    target = run / rng.choice(RUN_FILES)
    if rng.random() < 0.1:
        target.unlink()
    else:
        target.write_bytes(data)
    previous = os.environ.get("OSMO_TUI_RUNS_DIR")
    os.environ["OSMO_TUI_RUNS_DIR"] = str(store)
    try:
        listed = run_cli(["runs"])

        def replay() -> int:
            try:
                load_recorded(run.name)
            except OsmoTuiError as exc:
                assert "\n" not in exc.render().strip(), "a replay error must be one line"
                return exc.exit_code
            return 0

        code, seconds, crashed = timed(replay)
    finally:
        _restore("OSMO_TUI_RUNS_DIR", previous)
    if listed.code != 0 or listed.problems():
        return listed
    return Outcome(code, listed.out, listed.err, max(seconds, listed.seconds), crashed)


KINDS = {
    "workflow": Kind("workflow", workflow_seeds, _workflow),
    "scenario": Kind("scenario", lambda: [SCENARIO], _scenario),
    "pool": Kind("pool", lambda: [(EXAMPLES / "osmo-pool.yaml").read_text()], _pool),
    "credentials": Kind(
        "credentials",
        lambda: [CREDENTIALS, (EXAMPLES / "credentials" / "credentials.yaml").read_text()],
        _credentials,
    ),
    "keys": Kind("keys", lambda: [KEYS_TOML, KEYS_YAML], _keys),
    "run_store": Kind("run_store", run_store_seeds, _run_store),
}
