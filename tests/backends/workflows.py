"""Workflows that every real backend runs (Docker, the Kubernetes real node), with what they print.

One text per scenario, so the Docker and the real-node suites cannot drift apart: each module
runs the same YAML through its own backend and checks the same lines. Backend-specific facts
(the Docker run network's host names, the cluster's DNS suffix, how long cancel may take) stay
in the test that owns them.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import COOKBOOK

TUTORIALS = COOKBOOK / "tutorials"

# The server leads: once it has served one client it exits, which ends its sibling (sleeping on
# after the exchange) with "Lead task finished".
HOSTS_PAIR = """
workflow:
  name: hosts
  groups:
  - name: pair
    tasks:
    - name: server
      lead: true
      image: alpine:3.18
      command: [sh, -c, 'echo pong | nc -w 20 -l -p 7000; echo served']
    - name: client
      image: alpine:3.18
      command: [sh, -c]
      args:
      - |
        for i in $(seq 100); do
          got=$(nc -w 2 {{host:server}} 7000 </dev/null 2>/dev/null) && [ -n "$got" ] && break
          sleep 0.2
        done
        echo "got=$got from {{host:server}}"
        sleep 300
"""

# `lead` writes a partial output then sleeps; `stubborn` ignores SIGTERM: cancel must kill both.
CANCEL_ME = """
workflow:
  name: cancel-me
  groups:
  - name: work
    tasks:
    - name: lead
      lead: true
      image: ubuntu:24.04
      command: [sh, -c, 'echo partial > {{output}}/x; sleep 300']
    - name: stubborn
      image: ubuntu:24.04
      command: [sh, -c, 'trap "" TERM; sleep 300']
"""

# files (plain and base64) exist before the command runs; env and `$(...)` in a file are the
# shell's, not the spec's
FILES_AND_ENV = """
workflow:
  name: files
  tasks:
  - name: use
    image: ubuntu:24.04
    command: [bash, /opt/run.sh]
    files:
    - path: /opt/run.sh
      contents: |
        cat /opt/blob.bin
        echo; echo "env=$GREETING"
        echo "sub=$(echo nested)"
    - path: /opt/blob.bin
      base64: true
      contents: aGVsbG8gYmluYXJ5
    environment:
      GREETING: hi
"""
FILES_AND_ENV_LOGS = ["hello binary", "env=hi", "sub=nested"]

# credentials as env (the map form) and as files (the string form), both masked in the logs
CREDENTIALS_FILE = (
    "db:\n  user: alice\n  password: very-secret-value\n"
    "aws:\n  access_key: AKIA-LOCAL-1234\n  region: eu\n"
)
CREDENTIALS = """
workflow:
  name: creds
  tasks:
  - name: use
    image: ubuntu:24.04
    command: [sh, -c, 'echo "user=$DB_USER pass=$DB_PASS"; cat /root/.aws/region; echo; cat /root/.aws/access_key']
    credentials:
      db: {DB_USER: user, DB_PASS: password}
      aws: /root/.aws
"""
CREDENTIALS_LOGS = ["user=alice pass=[MASKED]", "eu", "[MASKED]"]


def write_credentials(directory: Path) -> Path:
    """The credentials file CREDENTIALS reads (point OSMO_TUI_CREDENTIALS at it)."""
    path = directory / "credentials.yaml"
    path.write_text(CREDENTIALS_FILE)
    return path


def group_communication_with_a_retrying_client() -> str:
    """The cookbook's group-communication tutorial, its client retrying until the server listens.

    As written, both tasks start together and the client does not retry, so whether it reads
    "hello" depends on which `nc` runs first; retrying, the message must cross every time.
    """
    text = (TUTORIALS / "group_tasks_communication.yaml").read_text()
    racy = "nc -w 30 {{host:server}} 24831 > /tmp/hello.txt"
    assert racy in text, "the tutorial's client line changed"
    retrying = (
        "until nc -w 30 {{host:server}} 24831 > /tmp/hello.txt && [ -s /tmp/hello.txt ];"
        " do sleep 0.2; done"
    )
    return text.replace(racy, retrying)
