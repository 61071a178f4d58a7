import { validateClientAccess, type ClientAccess, type Program } from '@stateflow/ir';
import type { GatewayTransport, HttpServer, TransportEngine } from '@stateflow/gateway';
import { CliError } from '../cli-error.js';
import { ExitCode, type CliIo } from '../io.js';
import { importOptional } from '../optional-package.js';
import { formatLogLine } from './serve.js';

/** The HTTP gateway package, loaded only by `stateflow run` (an optional peer). */
export type Gateway = typeof import('@stateflow/gateway');

/** Loads `@stateflow/gateway`, or says to install it. */
export function loadGateway(command: string): Promise<Gateway> {
  return importOptional(command, '@stateflow/gateway', () => import('@stateflow/gateway'));
}

/** Settings of the HTTP gateway of `stateflow run` (the flags of `stateflow serve`). */
export interface RunGatewaySettings {
  port: number;
  host: string;
  token: string | undefined;
  /** `--allowed-host` names (Host header allow-list). */
  allowedHosts: string[];
  /** `--cors-origin` origins allowed to call from a browser. */
  corsOrigins: string[];
  /** How long a call waits for the engine's answer before a 504. */
  timeoutMs: number;
}

/** A started gateway: the HTTP API of `stateflow serve` in front of a deployment. */
export interface RunGateway {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the HTTP API of `stateflow serve` in front of a deployment reached through a
 * client transport (`clientAccess` of the backend's `run`: Kafka for Flink, the Lambda
 * Invoke API for Lambda): each HTTP call becomes one request through the transport, the
 * `Idempotency-Key` its request id. An access this CLI does not know is refused up front.
 */
export async function startRunGateway(program: Program, access: ClientAccess, settings: RunGatewaySettings, io: CliIo): Promise<RunGateway> {
  const checked = validateClientAccess(access);
  if (!checked.ok) {
    const why = checked.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ');
    throw new CliError(`stateflow run: the backend says clients reach it in a way this CLI does not know (${why}); update @stateflow/cli, or run with --port none`, ExitCode.Failed);
  }
  const { startHttpServer, transportEngine } = await loadGateway('run');
  const { transport, name, where } = await openTransport(checked.access);
  const engine: TransportEngine = transportEngine(program, transport, { name, timeoutMs: settings.timeoutMs });
  try {
    await engine.start();
  } catch (err) {
    await engine.close().catch(() => undefined);
    throw new CliError(`stateflow run: the HTTP gateway cannot reach ${where}: ${(err as Error).message}`, ExitCode.Failed);
  }
  let server: HttpServer;
  try {
    server = await startHttpServer(engine, {
      port: settings.port,
      host: settings.host,
      ...(settings.token ? { token: settings.token } : {}),
      allowedHosts: settings.allowedHosts,
      corsOrigins: settings.corsOrigins,
      onRequest: (entry) => io.stderr(formatLogLine(entry)),
    });
  } catch (err) {
    await engine.close().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? `port ${settings.port} is already in use; pick another with --port (0 picks a free one)` : (err as Error).message;
    throw new CliError(`stateflow run: cannot listen on ${settings.host}:${settings.port}: ${reason}`, ExitCode.Failed);
  }
  return {
    url: server.url,
    async close() {
      await server.close();
      await engine.close();
    },
  };
}

/** The client transport a {@link ClientAccess} names (each loads its SDK only when used). */
async function openTransport(access: ClientAccess): Promise<{ transport: GatewayTransport; name: string; where: string }> {
  switch (access.transport) {
    case 'kafka': {
      const { kafkaTransport } = await importOptional('run', 'kafkajs', () => import('@stateflow/client/kafka'));
      const transport = kafkaTransport({ brokers: access.brokers, requestTopic: access.requestTopic, replyTopic: access.replyTopic });
      return { transport, name: `kafka (${access.requestTopic})`, where: `Kafka at ${access.brokers.join(',')}` };
    }
    case 'lambda': {
      const { lambdaTransport } = await importOptional('run', '@aws-sdk/client-lambda', () => import('@stateflow/client/lambda'));
      // A local emulator checks no signatures; the SDK still wants credentials to sign with.
      const credentials = access.unsigned ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
      const transport = lambdaTransport({
        functionName: access.functionName,
        ...(access.endpoint !== undefined ? { endpoint: access.endpoint } : {}),
        ...(access.region !== undefined ? { region: access.region } : {}),
        clientConfig: credentials,
      });
      return { transport, name: `lambda (${access.functionName})`, where: `the Lambda function ${access.functionName}${access.endpoint ? ` at ${access.endpoint}` : ''}` };
    }
  }
}
