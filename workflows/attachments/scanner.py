"""Virus scanning through clamd's INSTREAM protocol (TCP or unix socket).

`RULEDESK_CLAMD` is `tcp://host:port`, `unix:///path/to/clamd.ctl`, or empty/`off`: then
nothing is scanned and files are released marked "not scanned" (visible in the API).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

CHUNK = 256 * 1024


class ScanError(Exception):
    """The scan did not produce a verdict (clamd down, timeout, garbage): retry later."""


class TooLarge(ScanError):
    """clamd refused the stream (over StreamMaxLength)."""


@dataclass(frozen=True)
class Clamd:
    address: str  # tcp://host:port or unix:///path
    timeout: float = 30.0

    def _connect(self) -> socket.socket:
        if self.address.startswith("unix://"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(self.address[len("unix://") :])
            return sock
        host, _, port = self.address.removeprefix("tcp://").rpartition(":")
        return socket.create_connection((host, int(port)), timeout=self.timeout)

    def scan(self, chunks: Iterable[bytes]) -> str | None:
        """None if clean, the signature name if infected; ScanError otherwise."""
        try:
            reply = self._exchange(chunks)
        except TimeoutError as exc:
            raise ScanError("clamd timed out") from exc
        except OSError as exc:
            raise ScanError(f"clamd unreachable: {exc.__class__.__name__}") from exc
        text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
        if text == "stream: OK":
            return None
        if text.startswith("stream: ") and text.endswith(" FOUND"):
            return text[len("stream: ") : -len(" FOUND")]
        if "size limit exceeded" in text.lower() or not text:
            raise TooLarge(text or "connection closed by clamd")
        raise ScanError(text[:200])

    def _exchange(self, chunks: Iterable[bytes]) -> bytes:
        with self._connect() as sock:
            try:
                sock.sendall(b"zINSTREAM\0")
                for chunk in chunks:
                    for start in range(0, len(chunk), CHUNK):
                        part = chunk[start : start + CHUNK]
                        sock.sendall(struct.pack("!L", len(part)) + part)
                sock.sendall(struct.pack("!L", 0))
            except (BrokenPipeError, ConnectionResetError):
                pass  # clamd closed early (size limit): its reason is in the reply, if any
            reply = b""
            while not reply.endswith(b"\0") and len(reply) < 4096:
                try:
                    part = sock.recv(4096)
                except ConnectionResetError:
                    part = b""
                if not part:
                    break
                reply += part
            return reply


def configured() -> Clamd | None:
    address = (settings.RULEDESK_CLAMD or "").strip()
    if not address or address == "off":
        return None
    return Clamd(address=address, timeout=float(settings.RULEDESK_CLAMD_TIMEOUT_SECONDS))
