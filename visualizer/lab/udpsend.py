"""``udp-send``: the lab's UDP sender, run by the lab's own Python in a namespace.

Debian's netcat sends UDP only from stdin, with no count, so a step's ``udp``
traffic runs this instead (argv only, never a shell): ``DST PORT COUNT SIZE TTL``.
It sends COUNT datagrams of SIZE bytes on a connected socket, 0.2 s apart, and
prints one line a datagram: ``sent``, then ``answer`` (a datagram came back) or
``refused`` (the kernel reported an ICMP error for the socket, e.g. port
unreachable).  Its last line is ``N sent, M answered, K refused``.
"""
from __future__ import annotations

import errno
import socket
import sys

WAIT_S = 0.2


def main(argv: list[str]) -> int:
    dst, port, count, size, ttl = argv[0], int(argv[1]), int(argv[2]), int(argv[3]), int(argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if ttl:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    s.settimeout(WAIT_S)
    sent = answered = refused = 0
    try:
        s.connect((dst, port))
    except OSError as e:
        print(f"udp-send: {e.strerror}", flush=True)
        return 1
    for n in range(1, count + 1):
        try:
            s.send(b"x" * size)
            sent += 1
            print(f"datagram {n}: sent {size} bytes to {dst}:{port}", flush=True)
        except OSError as e:
            if e.errno == errno.ECONNREFUSED:
                refused += 1
                print(f"datagram {n}: refused (an ICMP error came back)", flush=True)
                continue
            print(f"datagram {n}: {e.strerror}", flush=True)
            continue
        try:
            s.recv(65535)
            answered += 1
            print(f"datagram {n}: answer", flush=True)
        except socket.timeout:
            pass
        except OSError as e:
            if e.errno == errno.ECONNREFUSED:
                refused += 1
                print(f"datagram {n}: refused (an ICMP error came back)", flush=True)
            else:
                print(f"datagram {n}: {e.strerror}", flush=True)
    print(f"{sent} sent, {answered} answered, {refused} refused", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
