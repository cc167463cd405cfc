"""Outgoing webhook POSTs (standard library HTTP; the worker retries on failure)."""

from __future__ import annotations

import urllib.request


class DeliveryFailed(RuntimeError):
    """The receiver did not answer 2xx: raise so the job is retried."""


def post_json(url: str, body: bytes, headers: dict[str, str], timeout: float = 10) -> int:
    if not url.startswith(("https://", "http://")):  # never file: or other schemes
        raise DeliveryFailed("webhook address must be http(s)")
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        raise DeliveryFailed(f"webhook answered {error.code}") from error
    except OSError as error:
        raise DeliveryFailed(f"webhook unreachable: {type(error).__name__}") from error
    if not 200 <= status < 300:
        raise DeliveryFailed(f"webhook answered {status}")
    return status
