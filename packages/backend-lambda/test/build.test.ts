import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import shop from '@stateflow/ir/test-vectors/shop.ir.json' with { type: 'json' };
import type { Program } from '@stateflow/ir';
import { afterEach, describe, expect, it } from 'vitest';
import { backend, buildLambdaFunction, findLambdaEnv, LambdaBuildError, LambdaConfigError, LambdaEnvError } from '../src/index.js';
import { ENGINE_TESTS } from './engine/support.js';

const program = shop as unknown as Program;
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sf-backend-lambda-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Template = {
  Parameters: { [name: string]: { Default?: unknown } };
  Resources: { [name: string]: { Type: string; Properties: { [key: string]: unknown } } };
  Outputs: { [name: string]: unknown };
};

describe('buildLambdaFunction', () => {
  it('writes the function package (handler, kernel, program), the SAM template, the settings and a README', async () => {
    const out = temp();
    const artifact = await buildLambdaFunction(program, out);
    expect(artifact.files).toEqual(
      expect.arrayContaining([
        'README.md',
        'function/handler.py',
        'function/program.ir.json',
        'function/stateflow/__init__.py',
        'function/stateflow_kernel/kernel.py',
        'function/stateflow_lambda/chain.py',
        'function/stateflow_lambda/table.py',
        'program.ir.json',
        'stateflow-lambda.json',
        'template.json',
      ]),
    );
    expect(JSON.parse(readFileSync(join(out, 'function', 'program.ir.json'), 'utf8'))).toEqual(program);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('sam deploy --template-file template.json');
  });

  it('writes a template with the table key schema, least-privilege IAM and names from parameters', async () => {
    const out = temp();
    await buildLambdaFunction(program, out, { name: 'shop', memorySize: 1024 });
    const text = readFileSync(join(out, 'template.json'), 'utf8');
    const template = JSON.parse(text) as Template;
    expect(template.Parameters['FunctionName']!.Default).toBe('shop');
    expect(template.Parameters['TableName']!.Default).toBe('shop-state');
    expect(template.Parameters['MemorySize']!.Default).toBe(1024);
    const table = template.Resources['StateTable']!;
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties['TableName']).toEqual({ Ref: 'TableName' });
    expect(table.Properties['KeySchema']).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    const fn = template.Resources['StateFunction']!;
    expect(fn.Properties['FunctionName']).toEqual({ Ref: 'FunctionName' });
    expect(fn.Properties['Handler']).toBe('handler.handler');
    const statements = (fn.Properties['Policies'] as { Statement: { Action: string[]; Resource: unknown }[] }[])[0]!.Statement;
    expect(statements).toEqual([{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem'], Resource: { 'Fn::GetAtt': ['StateTable', 'Arn'] } }]);
    // Nothing region- or account-specific is written into it.
    expect(text).not.toMatch(/(us|eu|ap|sa|ca|me|af)-(east|west|north|south|central|northeast|southeast)-\d/);
    expect(text).not.toMatch(/\d{12}/);
    expect(fn.Properties['Events']).toBeUndefined();
  });

  it('adds an HTTP API when asked', async () => {
    const out = temp();
    await buildLambdaFunction(program, out, { httpApi: 'true' });
    const template = JSON.parse(readFileSync(join(out, 'template.json'), 'utf8')) as Template;
    expect(template.Resources['StateFunction']!.Properties['Events']).toEqual({ Api: { Type: 'HttpApi', Properties: { Path: '/invoke', Method: 'POST' } } });
    expect(template.Outputs['HttpApiUrl']).toBeDefined();
  });

  it.skipIf(!ENGINE_TESTS)('writes templates that cfn-lint accepts (with and without the HTTP API)', async () => {
    const lint = findLambdaEnv().cfnLint!;
    for (const httpApi of ['false', 'true']) {
      const out = temp();
      await buildLambdaFunction(program, out, { httpApi });
      execFileSync(lint, [join(out, 'template.json')], { encoding: 'utf8' });
    }
  });

  it('refuses invalid IR with SF4xxx diagnostics, and bad settings with their name', async () => {
    const error = await buildLambdaFunction({ ...program, irVersion: '9.0.0' } as Program, temp()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LambdaBuildError);
    expect((error as LambdaBuildError).diagnostics.map((d) => d.code)).toEqual(['SF4001']);
    await expect(buildLambdaFunction(program, temp(), { memorySize: '64' })).rejects.toThrow(LambdaConfigError);
    await expect(buildLambdaFunction(program, temp(), { memorySize: '64' })).rejects.toThrow(/memorySize must be a whole number from 128 to 10240/);
    await expect(buildLambdaFunction(program, temp(), { region: 'eu-west-1' })).rejects.toThrow(/unknown setting 'region'/);
    await expect(buildLambdaFunction(program, temp(), { httpApi: 'yes' })).rejects.toThrow(/httpApi must be true or false/);
  });

  it('is a backend plugin', async () => {
    expect(backend).toMatchObject({ name: 'lambda', capabilities: { exactlyOnce: true, transports: ['lambda'] } });
    const logs: string[] = [];
    const artifact = await backend.build(program, { outDir: temp() }, { log: (m) => logs.push(m) });
    expect(artifact.files).toContain('template.json');
    expect(logs[0]).toMatch(/^wrote /);
  });

  it('says how to set up the local stand-in when it is missing', () => {
    expect(() => findLambdaEnv({ STATEFLOW_CACHE: temp() })).toThrow(LambdaEnvError);
    expect(() => findLambdaEnv({ STATEFLOW_CACHE: temp() })).toThrow(/stateflow engine setup lambda/);
  });
});
