"""Real servers the attachment tests talk to: moto's S3 over HTTP, Debian's clamd, and a
fake clamd (same INSTREAM protocol) for the failure modes a real one cannot easily show."""

from __future__ import annotations

import shutil
import socket
import socketserver
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from moto.server import ThreadedMotoServer

CLAMD = "/usr/sbin/clamd"
# The test "virus": any file containing this marker matches the one-line signature DB.
MARKER = b"RULEDESK-TEST-VIRUS-4b1d9e7c-DO-NOT-SERVE"
SIGNATURE = "Ruledesk.Test.Marker.UNOFFICIAL"
BUCKET = "ruledesk-test"
KEYS = {"access_key": "testing", "secret_key": "testing"}


@contextmanager
def moto_s3() -> Iterator[str]:
    """moto's server on a free loopback port; yields its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_storages(endpoint: str, base: dict[str, Any]) -> dict[str, Any]:
    """settings.STORAGES with the attachments storage on the given S3 endpoint."""
    return {
        **base,
        "attachments": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
                **KEYS,
            },
        },
    }


def make_bucket(endpoint: str) -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    with suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=BUCKET)


def _ping(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(str(path))
            sock.sendall(b"zPING\0")
            return sock.recv(16).startswith(b"PONG")
    except OSError:
        return False


@contextmanager
def real_clamd(directory: Path, stream_max: str = "2M") -> Iterator[str]:
    """Debian's clamd with a one-line signature DB, on a unix socket; yields its address."""
    if not Path(CLAMD).exists():
        raise RuntimeError(f"{CLAMD} is missing: `make test` installs clamav-daemon")
    database = directory / "db"
    database.mkdir(parents=True, exist_ok=True)
    (database / "ruledesk-test.ndb").write_text(f"Ruledesk.Test.Marker:0:*:{MARKER.hex()}\n")
    socket_path = directory / "clamd.sock"
    config = directory / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                f"LocalSocket {socket_path}",
                f"DatabaseDirectory {database}",
                f"TemporaryDirectory {directory}",
                f"LogFile {directory / 'clamd.log'}",
                "Foreground yes",
                f"StreamMaxLength {stream_max}",
                "AlertExceedsMax yes",
                "",
            ]
        )
    )
    process = subprocess.Popen(
        [CLAMD, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while not _ping(socket_path):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (
                    (directory / "clamd.log").read_text()
                    if (directory / "clamd.log").exists()
                    else ""
                )
                raise RuntimeError(f"clamd did not start: {log[-2000:]}")
            time.sleep(0.1)
        yield f"unix://{socket_path}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        shutil.rmtree(database, ignore_errors=True)


class FakeClamd(socketserver.BaseRequestHandler):
    """INSTREAM as clamd speaks it; `mode` picks a failure: ok, slow, garbage, close."""

    max_stream = 1024 * 1024
    mode = "ok"

    def _exact(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            part = self.request.recv(n - len(buf))
            if not part:
                raise ConnectionError
            buf += part
        return buf

    def handle(self) -> None:
        with suppress(ConnectionError, OSError):
            self._handle()

    def _handle(self) -> None:
        term = {b"z": b"\0", b"n": b"\n"}.get(self._exact(1))
        if term is None:
            return
        command = b""
        while not command.endswith(term):
            command += self._exact(1)
        if command[:-1] != b"INSTREAM":
            self.request.sendall(b"UNKNOWN COMMAND" + term)
            return
        data = bytearray()
        while n := struct.unpack("!L", self._exact(4))[0]:
            if self.mode == "close":
                return
            if len(data) + n > self.max_stream:
                self.request.sendall(b"INSTREAM size limit exceeded. ERROR" + term)
                return
            data += self._exact(n)
        if self.mode == "slow":
            time.sleep(5)
        if self.mode == "garbage":
            self.request.sendall(b"\x13\x37 what is this" + term)
            return
        verdict = f"{SIGNATURE} FOUND".encode() if MARKER in data else b"OK"
        self.request.sendall(b"stream: " + verdict + term)


@contextmanager
def fake_clamd(mode: str = "ok", max_stream: int = 1024 * 1024) -> Iterator[str]:
    handler = type("Handler", (FakeClamd,), {"mode": mode, "max_stream": max_stream})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
