"""``http-serve``: the lab's HTTP listener, run by the lab's own Python in a namespace.

A step's ``{ listen = "80", ns = "c1", proto = "http" }`` starts this (argv only, never
a shell): ``PORT NAME``.  It answers every request on TCP port PORT with one fixed
response, ``200 OK`` and the body ``hello from NAME`` (the namespace's name, so that a
learner reading curl's output sees which container answered a DNATed request), and
serves no file and runs nothing a request names.  It prints ``listening on PORT``
once bound, which the lab waits for before the traffic starts.
"""
from __future__ import annotations

import socket
import sys

READ_S = 2.0            # a client that sends no complete request in this long is dropped
MAX_REQUEST = 8192


def response(name: str, head: bool = False) -> bytes:
    body = f"hello from {name}\n".encode()
    lines = ["HTTP/1.0 200 OK", "Server: netfilter-visualizer-lab", "Content-Type: text/plain",
             f"Content-Length: {len(body)}", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (b"" if head else body)


def serve_one(conn: socket.socket, name: str) -> None:
    conn.settimeout(READ_S)
    data = b""
    try:
        while b"\r\n\r\n" not in data and len(data) < MAX_REQUEST:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        conn.sendall(response(name, head=data.startswith(b"HEAD ")))
    except OSError:
        pass
    finally:
        conn.close()


def main(argv: list[str]) -> int:
    port, name = int(argv[0]), argv[1]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    print(f"listening on {port}", flush=True)
    while True:
        conn, _ = s.accept()
        serve_one(conn, name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
