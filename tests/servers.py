"""Loopback servers for misbehaviour no HTTP library produces: a raw socket server
(trickling bodies, silence), a server with a self-signed certificate, and a SOCKS5
proxy (RFC 1928: no authentication, CONNECT only), to show that ``ALL_PROXY=socks5://…``
on a runner reaches Sieve through it."""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pytest_httpserver import HTTPServer


@contextlib.contextmanager
def raw_server(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A server that reads a request and hands the socket to ``answer``; its URL."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve(connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            with contextlib.suppress(OSError):
                answer(connection)

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


@contextlib.contextmanager
def self_signed_server(folder: Path) -> Iterator[HTTPServer]:
    """An HTTPS server whose certificate (for ``localhost``) no CA signed."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = HTTPServer(ssl_context=context)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def trickle(connection: socket.socket) -> None:
    """A 200 that promises a megabyte and sends a byte every 0.1 s: no read times out."""
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    connection.sendall(b"Content-Length: 1000000\r\n\r\n")
    for _ in range(300):
        connection.sendall(b" ")
        time.sleep(0.1)


def silent(_connection: socket.socket) -> None:
    """Reads the request and never answers."""
    time.sleep(30)


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
