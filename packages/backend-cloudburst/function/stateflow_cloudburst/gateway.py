"""The gateway between StateFlow's clients and Cloudburst's scheduler (Python 3.7).

    python -m stateflow_cloudburst.gateway --port 9310 [--scheduler 127.0.0.1] [--connections 4]

Node has no Cloudburst client (ZeroMQ and protobuf frames), so this process speaks the
AWS Lambda Invoke API on 127.0.0.1, ``POST /2015-03-31/functions/<name>/invocations``
with a request event as the body and the ``Response`` event as the answer, and makes
each call one ``call_dag(<name>, ...)`` with a direct response. The client's
``lambdaTransport`` (and so the HTTP gateway of ``stateflow run``) works against it
unchanged. Events cross as JSON text (Cloudburst ``STRING`` values), never pickles.

Each connection is one Cloudburst client (its own answer port, 9000 + tid); a call
takes a free one, so ``--connections`` calls are in flight at once. A call that gets no
answer in ``--timeout`` seconds (the executor died, say) is answered with a function
error (``X-Amz-Function-Error``), which clients retry with the same request id.
"""
import argparse
import json
import queue
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")


class CallFailed(Exception):
    """No answer from Cloudburst (scheduler refused, or timed out)."""


class Connections:
    """A pool of Cloudburst clients, one call at a time on each."""

    def __init__(self, scheduler: str, ip: str, count: int, first_tid: int, timeout: float) -> None:
        import zmq
        from cloudburst.client.client import CloudburstConnection

        self.zmq = zmq
        self.timeout = timeout
        self.free = queue.Queue()
        for i in range(count):
            conn = CloudburstConnection(scheduler, ip, tid=first_tid + i, local=True)
            self.free.put(conn)

    def call(self, dag: str, payload: str, request_id: str) -> str:
        conn = self.free.get()
        try:
            return self._call(conn, dag, payload, request_id)
        finally:
            self.free.put(conn)

    def _call(self, conn, dag: str, payload: str, request_id: str) -> str:
        from cloudburst.shared.proto.cloudburst_pb2 import GenericResponse
        from cloudburst.shared.serializer import Serializer

        call = conn.call_dag(dag, {dag: [payload]}, direct_response=True, dry_run=True)
        conn.dag_call_sock.send(call.SerializeToString())
        reply = GenericResponse()
        reply.ParseFromString(conn.dag_call_sock.recv())
        if not reply.success:
            raise CallFailed("the scheduler refused the call (error %s)" % reply.error)
        deadline = time.time() + self.timeout
        serializer = Serializer()
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise CallFailed("no answer from Cloudburst within %ss" % self.timeout)
            if not conn.response_sock.poll(int(left * 1000)):
                continue
            text = serializer.load(conn.response_sock.recv())
            # An answer to an earlier call on this connection that timed out: not ours.
            if request_id and _request_id_of(text) != request_id:
                continue
            return text


def _request_id_of(text: str):
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    return answer.get("requestId") if isinstance(answer, dict) else None


def make_handler(connections: Connections, dags):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet: one line per call is too much
            pass

        def _send(self, status: int, body: bytes, headers=()) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/ping":
                self._send(200, b'{"ok":true}')
            else:
                self._send(404, b'{"message":"not found"}')

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            match = INVOKE_PATH.match(self.path.split("?")[0])
            if not match or match.group(1) not in dags:
                message = {"Type": "User", "message": "Function not found: %s (this gateway serves %s)" % (self.path, ", ".join(dags))}
                self._send(404, json.dumps(message).encode(), [("x-amzn-ErrorType", "ResourceNotFoundException")])
                return
            request_id = ""
            try:
                parsed = json.loads(body)
                if isinstance(parsed, dict) and isinstance(parsed.get("requestId"), str):
                    request_id = parsed["requestId"]
            except ValueError:
                pass  # the function answers it with a BadRequest Response
            try:
                answer = connections.call(match.group(1), body, request_id)
            except Exception as e:  # the call did not complete: a function error, retried by clients
                error = {"errorMessage": "%s: %s" % (type(e).__name__, e), "errorType": "CloudburstCallFailed"}
                self._send(200, json.dumps(error).encode(), [("X-Amz-Function-Error", "Unhandled")])
                return
            self._send(200, answer.encode("utf-8"), [("X-Amz-Executed-Version", "$LATEST")])

    return Handler


def main() -> int:
    parser = argparse.ArgumentParser(description="StateFlow's gateway to Cloudburst")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--dag", required=True, action="append",
                        help="a DAG it serves (the program's deployment name); may be repeated")
    parser.add_argument("--scheduler", default="127.0.0.1")
    parser.add_argument("--ip", default="127.0.0.1", help="this machine's address, for answers")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--first-tid", type=int, default=40, help="answer ports are 9000 + tid")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    connections = Connections(args.scheduler, args.ip, args.connections, args.first_tid, args.timeout)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(connections, set(args.dag)))
    server.daemon_threads = True
    print("stateflow gateway: serving %s on http://%s:%d" % (", ".join(args.dag), args.host, args.port), flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
