"""Plain REST calls through the official client's `ApiClient` (auth, TLS, proxies, tokens).

The generated API classes of `kubernetes` 37 validate every signature with pydantic at import:
`CoreV1Api` alone takes ~1.4 s to import, longer than a small workflow takes to run. The backend
needs a dozen endpoints, so it calls them by path and handles the JSON itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

Timeout = tuple[float, float | None]
DEFAULT_TIMEOUT: Timeout = (5, 30)
_CONTENT = {"PATCH": "application/merge-patch+json"}


class Rest:
    """`call(method, path, query=, body=)` -> the JSON answer; non-2xx raises `ApiException`."""

    def __init__(self, api_client: Any) -> None:
        self.client = api_client

    def _request(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | None,
        body: Any,
        timeout: Timeout,
        accept: str = "application/json",
    ) -> Any:
        from kubernetes.client.exceptions import ApiException

        headers = {"Accept": accept}
        if body is not None:
            headers["Content-Type"] = _CONTENT.get(method, "application/json")
        params = [(k, v) for k, v in (query or {}).items() if v is not None]
        _, url, headers, body_out, _ = self.client.param_serialize(
            method=method,
            resource_path=path,
            query_params=params,
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        resp = self.client.call_api(
            method, url, header_params=headers, body=body_out, _request_timeout=timeout
        )
        if not 200 <= resp.status < 300:
            text = resp.read().decode("utf-8", errors="replace")
            raise ApiException(status=resp.status, reason=resp.reason, body=text)
        return resp

    def call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
    ) -> Any:
        data = self._request(method, path, query, body, timeout).read()
        return json.loads(data) if data else None

    def lines(
        self,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        timeout: Timeout = (5, None),
        accept: str = "application/json",
        opened: Callable[[Any], None] | None = None,
    ) -> Iterator[bytes]:
        """A streamed GET (watch, log follow), line by line, until the server ends it.

        `opened(response)` receives the urllib3 response, so another thread can `shutdown()` it.
        """
        raw = self._request("GET", path, query, None, timeout, accept).response
        if opened is not None:
            opened(raw)
        try:
            buf = b""
            for chunk in raw.stream(8192, decode_content=True):
                buf += chunk
                *done, buf = buf.split(b"\n")
                yield from done
            if buf:
                yield buf
        finally:
            raw.release_conn()


def ns_path(namespace: str, plural: str, name: str = "") -> str:
    """/api/v1/namespaces/<ns>/<plural>[/<name>] for core resources."""
    base = f"/api/v1/namespaces/{namespace}/{plural}"
    return f"{base}/{name}" if name else base
