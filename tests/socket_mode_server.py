"""A minimal Socket Mode endpoint on loopback: the WebSocket handshake and text frames (RFC 6455),
enough for slack_sdk's built-in client. It hands the bot envelopes and collects the bot's acks."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import queue
import socket
import struct
import threading
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class SocketModeServer:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link"
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self._client: socket.socket | None = None
        self._connected = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> SocketModeServer:
        self._thread.start()
        return self

    def wait_connected(self, timeout: float = 30) -> None:
        if not self._connected.wait(timeout):
            raise AssertionError("the bot never connected over Socket Mode")

    def send(self, message: dict[str, Any]) -> None:
        assert self._client is not None
        self._client.sendall(_frame(0x1, json.dumps(message).encode()))

    def close(self) -> None:
        for sock in (self._client, self._listener):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()

    def _serve(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        self._client = client
        request = b""
        while b"\r\n\r\n" not in request:
            request += client.recv(4096)
        headers = dict(line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line)
        key = {k.lower(): v for k, v in headers.items()}["sec-websocket-key"].strip()
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        client.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        client.sendall(_frame(0x1, json.dumps({"type": "hello", "num_connections": 1}).encode()))
        self._connected.set()
        try:
            while True:
                opcode, payload = _read_frame(client)
                if opcode == 0x1:
                    self.received.put(json.loads(payload))
                elif opcode == 0x9:
                    client.sendall(_frame(0xA, payload))
                elif opcode == 0x8:
                    return
        except (OSError, ConnectionError):
            return


def _frame(opcode: int, payload: bytes) -> bytes:
    head = bytes([0x80 | opcode])
    if len(payload) < 126:
        head += bytes([len(payload)])
    elif len(payload) < 1 << 16:
        head += bytes([126]) + struct.pack("!H", len(payload))
    else:
        head += bytes([127]) + struct.pack("!Q", len(payload))
    return head + payload


def _exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_frame(sock: socket.socket) -> tuple[int, bytes]:
    first, second = _exactly(sock, 2)
    length = second & 0x7F
    if length == 126:
        length = struct.unpack("!H", _exactly(sock, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", _exactly(sock, 8))[0]
    mask = _exactly(sock, 4) if second & 0x80 else b"\0\0\0\0"
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(_exactly(sock, length)))
    return first & 0x0F, payload
