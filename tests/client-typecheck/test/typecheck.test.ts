import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateShopClient } from './support/generate.js';
import { GENERATED } from './support/paths.js';

/** Type-checks files with the TypeScript compiler API (strict, NodeNext), returning `TS<code> <file>:<line>` per error. */
function typecheck(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName.slice(GENERATED.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '?';
    return `TS${d.code} ${where} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

function consumer(name: string, body: string): string {
  const path = resolve(GENERATED, name);
  writeFileSync(path, `import { EntityRef, httpTransport } from '@stateflow/client';\nimport { createShopClient, type ItemStub } from './shop.js';\n${body}`);
  return path;
}

describe('the generated shop client type-checks its consumers', () => {
  let shop: string;
  beforeAll(() => {
    shop = generateShopClient().path;
  });

  it('accepts a correct consumer (tsc --strict, exactOptionalPropertyTypes)', () => {
    const ok = consumer(
      'consumer-ok.ts',
      `
export async function main(): Promise<void> {
  const shop = createShopClient(httpTransport({ url: 'http://127.0.0.1:8080' }));
  const coke: ItemStub = await shop.Item.create('coke', 2);
  const ann = await shop.User.create('ann', { timeoutMs: 1000 });
  const bought: boolean = await ann.buy_item(3, coke);
  const viaRef: boolean = await shop.user('ann').buy_item(1n, new EntityRef('Item', 'coke'), { signal: AbortSignal.timeout(500), requestId: 'r-1' });
  const stocked: boolean = await shop.item(coke).update_stock(10);
  const other: unknown = await ann.update_balance(5);
  console.log(bought, viaRef, stocked, other, ann.entity, ann.key);
}
`,
    );
    expect(typecheck([shop, ok])).toEqual([]);
  });

  it('rejects a wrong argument type with TS2345 on the offending line', () => {
    const wrong = consumer(
      'consumer-wrong.ts',
      `
export async function main(): Promise<void> {
  const shop = createShopClient(httpTransport({ url: 'http://127.0.0.1:8080' }));
  await shop.user('ann').buy_item('three', shop.item('coke'));
  await shop.user('ann').buy_item(3, shop.user('bob'));
  const n: string = await shop.item('coke').update_stock(1);
  await shop.Item.create('coke');
}
`,
    );
    const errors = typecheck([shop, wrong]);
    expect(errors.map((e) => e.split(' ').slice(0, 2).join(' '))).toEqual([
      'TS2345 consumer-wrong.ts:6', // 'three' is not number | bigint
      'TS2345 consumer-wrong.ts:7', // a User reference where an Item is expected
      'TS2322 consumer-wrong.ts:8', // the result is boolean
      'TS2554 consumer-wrong.ts:9', // price is missing
    ]);
    expect(errors[0]).toContain(`Argument of type 'string' is not assignable to parameter of type 'number | bigint'`);
    expect(errors[1]).toContain(`Argument of type 'UserStub' is not assignable to parameter of type 'EntityRef<"Item">'`);
  });

  it('checks that LocalRuntime satisfies the in-process transport interface', () => {
    const check = resolve(GENERATED, 'embedded-runtime.ts');
    writeFileSync(
      check,
      `import type { LocalRuntime } from '@stateflow/runtime-local';
import { inProcessTransport, type EmbeddedRuntime } from '@stateflow/client';
export const asEmbedded = (runtime: LocalRuntime): EmbeddedRuntime => runtime;
export const transport = (runtime: LocalRuntime) => inProcessTransport(runtime);
`,
    );
    expect(typecheck([check])).toEqual([]);
  });
});
