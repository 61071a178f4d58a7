"""The local DynamoDB-compatible store: moto's server, one request at a time.

moto implements DynamoDB's conditional writes and TransactWriteItems, but its models
take no lock: under its threaded server two requests can interleave between a
condition check and the write. Real DynamoDB makes each request atomic; so does this
server, by holding one lock around every request (connections are still served by
threads, so a slow client does not block the others).

Usage: python dynamodb_store.py --port 18000 [--host 127.0.0.1]
Prints ``STORE_READY http://HOST:PORT`` once it accepts requests.
"""
from __future__ import annotations

import argparse
import sys
import threading

from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server


def serialized(app):
    lock = threading.Lock()

    def wsgi(environ, start_response):
        with lock:
            # Consume the whole body inside the lock: werkzeug streams it lazily.
            return list(app(environ, start_response))

    return wsgi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18000)
    args = parser.parse_args()
    app = serialized(DomainDispatcherApplication(create_backend_app))
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    print("STORE_READY http://%s:%d" % (args.host, server.port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
