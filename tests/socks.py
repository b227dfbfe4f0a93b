"""A SOCKS5 proxy on loopback (no authentication, CONNECT only), to show that
``ALL_PROXY=socks5://…`` on a runner reaches Sieve through it (RFC 1928)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator


def _relay(a: socket.socket, b: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := a.recv(65536):
            b.sendall(data)
    with contextlib.suppress(OSError):
        b.shutdown(socket.SHUT_WR)


def _serve(client: socket.socket, connections: list[tuple[str, int]]) -> None:
    with client:
        greeting = client.recv(2)
        client.recv(greeting[1])  # the methods offered; "no authentication" is chosen
        client.sendall(b"\x05\x00")
        _version, _command, _reserved, kind = client.recv(4)
        if kind == 1:
            host = socket.inet_ntoa(client.recv(4))
        else:  # a domain name
            host = client.recv(client.recv(1)[0]).decode()
        (port,) = struct.unpack("!H", client.recv(2))
        connections.append((host, port))
        with socket.create_connection((host, port)) as upstream:
            client.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("0.0.0.0") + b"\x00\x00")
            back = threading.Thread(target=_relay, args=(upstream, client), daemon=True)
            back.start()
            _relay(client, upstream)
            back.join(5)


@contextlib.contextmanager
def socks5_proxy() -> Iterator[tuple[str, list[tuple[str, int]]]]:
    """``(proxy URL, the (host, port) of every CONNECT it relayed)``."""
    listener = socket.create_server(("127.0.0.1", 0))
    connections: list[tuple[str, int]] = []

    def accept() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_serve, args=(client, connections), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"socks5://127.0.0.1:{listener.getsockname()[1]}", connections
    finally:
        listener.close()
