import { describe, expect, it } from 'vitest';
import { defineDiagnostics, IrDiagnostics, makeDiagnostic } from '../dist/index.js';

const span = { file: 'app.py', line: 12, column: 7, endLine: 12, endColumn: 11 };

describe('defineDiagnostics', () => {
  const Table = defineDiagnostics({
    MissingKeyMethod: {
      code: 'SF2001',
      message: (d: { cls: string }) => `entity '${d.cls}' has no __key__()`,
      help: 'add `def __key__(self)` returning the partition key',
    },
    UnusedField: { code: 'SF2999', severity: 'warning', message: (d: { field: string }) => `'${d.field}' is never read` },
  });

  it('fills in names and the default severity', () => {
    expect(Table.MissingKeyMethod.name).toBe('MissingKeyMethod');
    expect(Table.MissingKeyMethod.severity).toBe('error');
    expect(Table.UnusedField.severity).toBe('warning');
  });

  it('builds diagnostics from a row, details, file and span', () => {
    expect(makeDiagnostic(Table.MissingKeyMethod, { cls: 'Item' }, 'app.py', span)).toEqual({
      code: 'SF2001',
      name: 'MissingKeyMethod',
      severity: 'error',
      message: "entity 'Item' has no __key__()",
      file: 'app.py',
      span,
      help: 'add `def __key__(self)` returning the partition key',
    });
    expect(makeDiagnostic(Table.UnusedField, { field: 'x' }, 'app.py', undefined, { note: 'declared here' })).toEqual({
      code: 'SF2999',
      name: 'UnusedField',
      severity: 'warning',
      message: "'x' is never read",
      file: 'app.py',
      note: 'declared here',
    });
  });

  it('rejects a table that uses one code twice', () => {
    expect(() =>
      defineDiagnostics({
        A: { code: 'SF1001', message: () => 'a' },
        B: { code: 'SF1001', message: () => 'b' },
      }),
    ).toThrow('diagnostic code SF1001 is used by both A and B');
  });
});

describe('IrDiagnostics', () => {
  it('has stable codes', () => {
    expect(Object.values(IrDiagnostics).map((d) => [d.name, d.code])).toEqual([
      ['UnsupportedIrVersion', 'SF4001'],
      ['InvalidIr', 'SF4002'],
    ]);
  });
});
