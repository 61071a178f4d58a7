import { CODEGEN_USAGE } from './commands/codegen.js';
import { ENGINE_USAGE } from './commands/engine.js';
import { STATE_USAGE } from './commands/state-usage.js';

/** Usage text of each command, printed by `--help` and after a usage error. */
export const USAGE = {
  main: `Usage: stateflow <command> [options]

Commands:
  compile <app.py>   compile a Python program to the StateFlow IR (JSON)
  serve <app.py>     run the program on the embedded runtime with an HTTP API
  graph <app.py>     print the dataflow graph (or one method's blocks) as Mermaid or DOT
  build <app.py> --target flink --out <dir>  write a deployable job for an engine
  run <app.py> --target flink  build and run the program on a local engine
  codegen client <app.py>  generate a typed TypeScript client for the entities
  state export|import <app.py>  export entity state to Arrow/Parquet, import Arrow/Parquet/CSV
  engine setup <engine>  set up an engine on this machine (kafka, flink, statefun, beam, lambda; engine list)

compile, graph, codegen and build need nothing more than @stateflow/cli. serve and state
need @stateflow/runtime-local; run needs @stateflow/gateway and the engine's client
(kafkajs for flink, statefun and beam; @aws-sdk/client-lambda for lambda and cloudburst).
The command says what to install.

Options:
  -h, --help         show help (also: stateflow <command> --help)
  -v, --version      print the version

Each command also accepts a compiled IR file (app.ir.json) instead of app.py.
`,
  compile: `Usage: stateflow compile <app.py> [-o <app.ir.json>] [--format text|json]

Compiles a Python program to the StateFlow IR.

Options:
  -o, --out <file>   write the IR to <file> instead of standard output
  --format <f>       how to print diagnostics: text (default, on stderr) or json (an array on stdout)
  -h, --help         show this help

Exit status: 0 compiled, 1 the program has errors, 2 wrong usage.
`,
  serve: `Usage: stateflow serve <app.py> [--port 8080] [--host 127.0.0.1] [--python-host pyodide|subprocess] [options]

Compiles the program and serves it on the embedded runtime over HTTP:
  POST /{Entity}                    create an instance   {"args": [...], "kwargs": {...}}
  POST /{Entity}/{key}/{method}     call a method        {"args": [...], "kwargs": {...}}
  GET  /{Entity}/{key}              read an instance's state
  GET  /health, GET /metrics        readiness, Prometheus metrics
POST bodies must be sent with Content-Type: application/json.
Send an Idempotency-Key header to make a call safe to retry.

Options:
  --port <n>            TCP port (default 8080; 0 picks a free port)
  --host <addr>         address to bind (default 127.0.0.1: local connections only)
  --python-host <kind>  pyodide (default: Python in worker threads, nothing to install)
                        or subprocess (CPython from python3 on PATH)
  --workers <n>         Python workers running in parallel (default: number of CPU cores)
  --data-dir <dir>      where state is kept (default .stateflow-data/<app> next to the app file)
  --in-memory           keep state in memory only (lost when the server stops)
  --token <t>           require Authorization: Bearer <t> (default STATEFLOW_TOKEN, if set; never empty)
  --allowed-host <name> also accept this name in the Host header (repeatable; .example.com for
                        subdomains, * for any); IP addresses and localhost are always accepted
  --cors-origin <url>   let web pages from this origin call the API (repeatable; * for any)
  --max-body-bytes <n>  largest request body (default 1048576)
  --timeout-ms <n>      time limit of one method step in Python (default 10000; 0 for none)
  --max-memory-mb <n>   memory limit of each Python worker (default 2048; 0 for none)
  --no-resume-detached  answer every call from the caller's own instance: a callee no longer runs
                        the caller's next block when it needs no instance (one hop more per transfer)
  --log-format <f>      pretty (default) or json (one JSON object per line on stderr)
  --log-level <l>       debug, info (default), warn or error
  -h, --help            show this help

Stop with Ctrl-C.
`,
  graph: `Usage: stateflow graph <app.py> [--method Entity.method] [--format mermaid|dot]

Prints the dataflow graph of the program, or with --method the blocks of one method.

Options:
  --method <E.m>    draw the state machine of this method, e.g. User.buy_item
  --format <f>      mermaid (default) or dot
  -h, --help        show this help
`,
  state: STATE_USAGE,
  codegen: CODEGEN_USAGE,
  engine: ENGINE_USAGE,
} as const;

/** Names of the commands. */
export type CommandName = Exclude<keyof typeof USAGE, 'main'>;
