"""The lab's side of the http kind without a sandbox: curl's output judged (status, body,
refused vs timed out) and the lab's fixed HTTP server, served on the loopback here."""
import socket
import threading

from visualizer.lab import httpserve
from visualizer.lab.traffic import ITEM_KEYS, judge, judge_http
from visualizer.core.traffic import Traffic

OUT = ("HTTP/1.0 200 OK\nServer: netfilter-visualizer-lab\nContent-Type: text/plain\n"
       "Content-Length: 14\nConnection: close\n\nhello from c1")


def test_a_response_is_ok_with_its_status_and_body():
    r = judge(Traffic(kind="http", dst="203.0.113.10", port=8088), OUT, 0)
    assert r == {"ok": True, "transmitted": 1, "received": 1, "refused": 0,
                 "http_status": 200, "http_body": "hello from c1", "http_error": ""}
    assert set(r) <= set(ITEM_KEYS)


def test_no_response_says_refused_or_timed_out():
    refused = judge_http("curl: (7) Failed to connect to 203.0.113.10 port 8088 after 0 ms: "
                         "Couldn't connect to server", 7)
    assert refused["ok"] is False and refused["refused"] == 1
    assert refused["http_error"] == "refused" and refused["http_status"] == 0
    timed = judge_http("curl: (28) Connection timed out after 2001 milliseconds", 28)
    assert timed["http_error"] == "timed out" and timed["refused"] == 0
    assert judge_http("", -9)["http_error"] == "timed out"      # the lab stopped it
    assert judge_http("curl: (52) Empty reply from server", 52)["http_error"] == "failed"


def test_the_server_answers_one_fixed_response_naming_its_namespace():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]

    def serve():
        conn, _ = s.accept()
        httpserve.serve_one(conn, "c2")

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    c = socket.create_connection(("127.0.0.1", port), timeout=3)
    c.sendall(b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while chunk := c.recv(4096):
        data += chunk
    th.join(3)
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 OK") and body == b"hello from c2\n"
    assert httpserve.response("c1", head=True).endswith(b"\r\n\r\n")
