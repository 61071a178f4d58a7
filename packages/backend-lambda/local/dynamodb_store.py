"""The local DynamoDB-compatible store: moto's server, one request at a time.

moto implements DynamoDB's conditional writes and TransactWriteItems, but its models
take no lock: under its threaded server two requests can interleave between a
condition check and the write. Real DynamoDB makes each request atomic; so does this
server, by holding one lock around every request (connections are still served by
threads, so a slow client does not block the others).

moto also backs up each whole table (a deep copy) for every action of a transaction,
to roll back a failed one: a transaction's cost grows with the table, unlike
DynamoDB's. With every request serialized, backing up only the items the transaction
names is the same rollback at a constant cost (``item_level_transaction_backups``).

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


def item_level_transaction_backups() -> None:
    """Replaces moto's whole-table backups in TransactWriteItems with backups of the
    items the transaction names (only those can change), restored on failure."""
    import copy

    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        saved = []
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            key = op.get("Key") or op.get("Item")
            if table is None or not isinstance(key, dict) or table.hash_key_attr not in key:
                continue
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
            try:
                item = table.get_item(hash_key, range_key)
            except Exception:  # moto reports a bad key itself, below
                item = None
            saved.append((table, hash_key, range_key, copy.deepcopy(item)))
        # moto's own backup becomes the table itself (its rollback a no-op): ours restores.
        Table.__deepcopy__ = lambda table, memo: table
        try:
            return original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(saved):
                if item is None:
                    if range_key is None:
                        table.items.pop(hash_key, None)
                    else:
                        table.items.get(hash_key, {}).pop(range_key, None)
                elif range_key is None:
                    table.items[hash_key] = item
                else:
                    table.items[hash_key][range_key] = item
            raise
        finally:
            del Table.__deepcopy__

    DynamoDBBackend.transact_write_items = transact_write_items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18000)
    args = parser.parse_args()
    item_level_transaction_backups()
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
