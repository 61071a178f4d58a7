import { join } from 'node:path';
import { packageDir } from './build.js';
import type { LambdaEnv } from './lambda-env.js';
import { startProcessGroup, type ProcessGroup } from '@stateflow/process-group';

/** Dummy credentials and region for local AWS endpoints (they check the signature's shape only). */
export const LOCAL_AWS_ENV = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' };

/** The local DynamoDB-compatible store (moto behind one request lock, `local/dynamodb_store.py`). */
export interface LocalStore {
  readonly endpoint: string;
  readonly process: ProcessGroup;
  stop(): Promise<void>;
}

/** Starts the store on 127.0.0.1:`port` and creates `table` (key schema: `pk` string). */
export async function startLocalStore(
  env: LambdaEnv,
  port: number,
  table: string,
  logFile: string,
  onProcess?: (pid: number, what: string, exited: Promise<number>) => void,
): Promise<LocalStore> {
  const proc = startProcessGroup(env.python, [join(packageDir(), 'local', 'dynamodb_store.py'), '--host', '127.0.0.1', '--port', String(port)], {
    env: { ...process.env, ...LOCAL_AWS_ENV },
    logFile,
  });
  onProcess?.(proc.pid, `DynamoDB-compatible store on 127.0.0.1:${port}`, proc.exited);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the DynamoDB-compatible store did not start within 60 s (see ${logFile})`)), 60_000);
      proc.onLine((line) => {
        if (line.startsWith('STORE_READY')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void proc.exited.then((status) => {
        clearTimeout(timer);
        reject(new Error(`the DynamoDB-compatible store exited (status ${status}) during start-up; is port ${port} in use? (see ${logFile})`));
      });
    });
    await createStateTable(endpoint, table);
  } catch (err) {
    await proc.terminate();
    throw err;
  }
  return {
    endpoint,
    process: proc,
    async stop() {
      await proc.terminate();
    },
  };
}

/** Creates a function's table (key schema: `pk` string, on demand), as the SAM template does. */
export async function createStateTable(endpoint: string, table: string): Promise<void> {
  await dynamodb(endpoint, 'CreateTable', {
    TableName: table,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
}

/** One DynamoDB JSON API call against a local endpoint (no real signature: local stores do not check it). */
export async function dynamodb(endpoint: string, action: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `DynamoDB_20120810.${action}`,
      Authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`DynamoDB ${action} failed (${response.status}): ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}
