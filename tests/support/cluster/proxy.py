"""A small reverse proxy in front of a pair of servers, as a load balancer would stand there.

It forwards each request to the preferred backend and, when that one refuses the connection
(its process is gone), to the other: what a proxy with health checks does after a node dies.
The test chooses the preferred backend to say "this step runs on node A". Redirects are
passed to the browser untouched; the Host header is kept, X-Forwarded-* are added.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Hop-by-hop headers are the proxy's own business (RFC 9110 section 7.6.1).
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
               "trailer", "upgrade", "proxy-authenticate", "proxy-authorization"}


class FailoverProxy:
    def __init__(self, backends: list[int], port: int) -> None:
        self.backends = backends
        self.preferred = 0
        # Round robin: each request to the next backend, as a proxy without sticky sessions.
        self.round_robin = False
        self._turn = 0
        self._lock = threading.Lock()
        self.port = port
        self.served_by: list[int] = []  # backend index per forwarded request, for the tests
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def prefer(self, index: int) -> None:
        self.preferred = index

    def start(self) -> FailoverProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def order(self) -> list[int]:
        first = self.preferred
        if self.round_robin:
            with self._lock:
                self._turn = (self._turn + 1) % len(self.backends)
                first = self._turn
        return [first] + [i for i in range(len(self.backends)) if i != first]


def _handler_for(proxy: FailoverProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # URLs carry codes and tokens; the proxy logs nothing

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            headers.update({"X-Forwarded-For": self.client_address[0],
                            "X-Forwarded-Proto": "http",
                            "X-Forwarded-Host": self.headers.get("Host", ""),
                            "X-Forwarded-Port": str(proxy.port)})
            for index in proxy.order():
                connection = http.client.HTTPConnection("127.0.0.1", proxy.backends[index],
                                                        timeout=120)
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    response = connection.getresponse()
                except ConnectionRefusedError:
                    connection.close()
                    continue  # that node is down: the next one takes the request
                proxy.served_by.append(index)
                self._relay(response)
                connection.close()
                return
            self.send_error(502, "no backend answered")

        def _relay(self, response: http.client.HTTPResponse) -> None:
            payload = response.read()
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _forward

    return Handler
