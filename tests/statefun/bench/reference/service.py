"""The benchmark's reference: the accounts workload written by hand as a Statefun remote
function (Python SDK, aiohttp), with no StateFlow: no kernel, no IR, no deduplication.

It reads the same JSON request events from Kafka and answers with the same `Response`
events as the generated application, so the same client and load generator drive both.
Function `bench/account` (id: the record key, `Account/<key>`): `read`, `update`,
`deposit` on its own state; `transfer(amount, to)` debits here and sends a message to
the other account, which credits and answers (two hops, as the generated code does).
Accounts start with 1,000,000 (there is no create).
"""
import json
import os
import sys

from aiohttp import web
from statefun import IntType, RequestReplyHandler, StatefulFunctions, StringType, ValueSpec, kafka_egress_message, message_builder, simple_type

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "statefun-app.json"), encoding="utf-8") as f:
    CONFIG = json.load(f)
EGRESS = CONFIG["egressId"]
DEFAULT_TOPIC = CONFIG["topics"]["egress"]
CREDIT = simple_type("bench/credit", serialize_fn=lambda d: json.dumps(d).encode(), deserialize_fn=lambda b: json.loads(b))
functions = StatefulFunctions()


def reply(context, request, result):
    channel = request["replyTo"]["channel"]
    topic = channel[6:] if channel.startswith("kafka:") else DEFAULT_TOPIC
    response = {"kind": "Response", "requestId": request["requestId"], "seq": 1, "stack": [], "replyTo": request["replyTo"], "result": {"ok": result}}
    context.send_egress(kafka_egress_message(typename=EGRESS, topic=topic, value=json.dumps(response)))


@functions.bind("bench/account", specs=[ValueSpec("balance", IntType), ValueSpec("field0", StringType)])
def account(context, message):
    storage = context.storage
    balance = storage.balance if storage.balance is not None else 1_000_000
    if message.is_type(CREDIT):
        credit = message.as_type(CREDIT)
        storage.balance = balance + credit["amount"]
        reply(context, credit["request"], True)
        return
    request = json.loads(message.raw_value())
    method, args = request["method"], request["args"]
    if method == "read":
        reply(context, request, balance)
    elif method == "update":
        storage.field0 = args[0]
        reply(context, request, None)
    elif method == "deposit":
        storage.balance = balance + args[0]
        reply(context, request, storage.balance)
    elif method == "transfer":
        amount, to = args[0], args[1]["$key"]
        if balance < amount:
            reply(context, request, False)
            return
        storage.balance = balance - amount
        credit = {"amount": amount, "request": {"requestId": request["requestId"], "replyTo": request["replyTo"]}}
        context.send(message_builder(target_typename="bench/account", target_id="Account/" + to, value=credit, value_type=CREDIT))


handler = RequestReplyHandler(functions)


async def invoke(request):
    return web.Response(body=await handler.handle_async(await request.read()), content_type="application/octet-stream")


async def health(_request):
    return web.Response(text="ok")


app = web.Application()
app.add_routes([web.post("/statefun", invoke), web.get("/health", health)])
print("SERVICE_LISTENING", flush=True)
web.run_app(app, host=CONFIG["service"]["host"], port=int(CONFIG["service"]["port"]), print=None, access_log=None)
