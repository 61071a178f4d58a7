import type { ClientAccess, Program } from '@stateflow/ir';
import { startHttpServer, transportEngine, type HttpServer, type TransportEngine } from '@stateflow/gateway';
import { CliError } from '../cli-error.js';
import { ExitCode, type CliIo } from '../io.js';
import { formatLogLine } from './serve.js';

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
 * client transport (`clientAccess` of the backend's `run`): each HTTP call becomes one
 * request through the transport, the `Idempotency-Key` its request id.
 */
export async function startRunGateway(program: Program, access: ClientAccess, settings: RunGatewaySettings, io: CliIo): Promise<RunGateway> {
  const { kafkaTransport } = await import('@stateflow/client/kafka');
  const transport = kafkaTransport({ brokers: access.brokers, requestTopic: access.requestTopic, replyTopic: access.replyTopic });
  const engine: TransportEngine = transportEngine(program, transport, { name: `kafka (${access.requestTopic})`, timeoutMs: settings.timeoutMs });
  try {
    await engine.start();
  } catch (err) {
    await engine.close().catch(() => undefined);
    throw new CliError(`stateflow run: the HTTP gateway cannot reach Kafka at ${access.brokers.join(',')}: ${(err as Error).message}`, ExitCode.Failed);
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
