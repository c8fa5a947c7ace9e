"""What OSMO parses in a task before it asks anyone: the image reference and the storage URLs.

OSMO's submit-time credential checks (`WorkflowSpec.validate_credentials`) parse every task's
image with `common.docker_parse` and every `url:` input and output with the data layer's
`construct_storage_backend` before they contact a registry or a bucket, so a reference that
does not parse is refused on any server, with or without credentials. The registry and bucket
round trips themselves need OSMO's server (see docs/osmo-checks.md).
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from simulator.spec.checks import Findings, TaskRef
from simulator.spec.models import STORAGE_URL_REGEXES, URLInput, WorkflowSpec

# `src/lib/utils/common.py` (NVIDIA/OSMO 1da31e19e), verbatim.
_IP_COMPONENT = r"([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])"
_IP = rf"({_IP_COMPONENT}\.){{3}}{_IP_COMPONENT}"
_HOST_COMPONENT = r"[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?"
_HOST_WITH_DOT = rf"({_HOST_COMPONENT}\.)+({_HOST_COMPONENT})"
_HOST_WITH_PORT = rf"{_HOST_COMPONENT}(?=:\d+/)"
_HOST = rf"(?P<host>({_IP}|localhost|{_HOST_WITH_DOT}|{_HOST_WITH_PORT}))"
_PORT = r"(?P<port>[0-9]{1,5})"
_NAME_COMPONENT = r"([0-9a-z]([0-9a-z_.-]*[0-9a-z])?)"
_NAME = rf"(?P<name>{_NAME_COMPONENT}(/{_NAME_COMPONENT})*)"
_TAG = r"(?P<tag>[a-zA-Z0-9_][a-zA-Z0-9._-]*)"
_DIGEST = r"(?P<digest>[A-Za-z0-9_+.-]+:[A-Fa-f0-9]+)"
IMAGE_REGEX = re.compile(rf"^({_HOST}(:{_PORT})?/)?{_NAME}(:{_TAG})?(@{_DIGEST})?$")

_STORAGE_NAMES = {"swift": "Swift", "s3": "S3", "gs": "GS", "tos": "TOS", "azure": "Azure"}
"""How `construct_storage_backend`'s per-scheme errors name each backend."""


def image_problem(image: str) -> str | None:
    """`docker_parse`'s refusal of an image reference, or None when it parses."""
    if IMAGE_REGEX.fullmatch(image):
        return None
    return f"Could not parse docker image {image}. Please provide a valid image."


def url_problem(url: str) -> str | None:
    """`construct_storage_backend`'s refusal of a storage URL, or None when it parses.

    OSMO raises these as a bare `OSMOError`, which its service answers with HTTP 500 and
    `Internal server error: <message>`; the words are kept as the user sees them."""
    scheme = urlparse(url).scheme  # lower-cased, as OSMO dispatches on it
    regex = STORAGE_URL_REGEXES.get(scheme)
    if regex is None:
        return f"Internal server error: Unknown URI scheme: {scheme}"
    if not re.fullmatch(regex, url):
        return f"Internal server error: Incorrectly formatted {_STORAGE_NAMES[scheme]} URI: {url}"
    return None


def check_references(spec: WorkflowSpec, refs: dict[str, TaskRef], out: Findings) -> None:
    """Per task, in OSMO's order: the image (registry check), then URL inputs and outputs (data
    check); OSMO stops at the first, we report them all."""
    for group in spec.groups:
        for task in group.tasks:
            tpath = refs[task.name].task_path
            problem = image_problem(task.image)
            if problem:
                out.add(problem, (*tpath, "image"))
            urls = [
                ("inputs", i, x.url) for i, x in enumerate(task.inputs) if isinstance(x, URLInput)
            ]
            urls += [("outputs", i, x.url) for i, x in enumerate(task.outputs)]
            for field, index, url in urls:
                problem = url_problem(url)
                if problem:
                    out.add(problem, (*tpath, field, index, "url"))
