"""`python -m ruledesk.ops.probe [/path]`: an HTTP health check for containers, without curl.

It asks the server in this container for `/healthz` (or the given path) with a
Host header taken from ALLOWED_HOSTS, so Django's host validation accepts it,
and exits 0 only on a 200 answer.
"""

from __future__ import annotations

import http.client
import sys

from ruledesk.env import env_int, env_list


def probe_host() -> str:
    """The first allowed host, as a client would send it (`.example.com` → `example.com`)."""
    hosts = [h for h in env_list("ALLOWED_HOSTS", ["localhost"]) if h != "*"]
    return hosts[0].lstrip(".") if hosts else "localhost"


def main(argv: list[str]) -> int:
    path = argv[0] if argv else "/healthz"
    connection = http.client.HTTPConnection(
        "127.0.0.1", env_int("PORT", 8000, minimum=1), timeout=5
    )
    try:
        connection.request("GET", path, headers={"Host": probe_host()})
        status = connection.getresponse().status
    except OSError as exc:
        print(f"{path}: {exc}", file=sys.stderr)  # noqa: T201 - console program
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"{path}: HTTP {status}", file=sys.stderr)  # noqa: T201 - console program
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
