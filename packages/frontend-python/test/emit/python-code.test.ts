import { describe, expect, it } from 'vitest';
import type { PyExpr } from '../../src/cfg/index.js';
import { PythonCode } from '../../src/emit/python-code.js';
import { parsePython } from '../../src/parse/index.js';
import { isKind, type NodeKind } from '../../src/parse/node-kind.js';
import { fieldOf, textOf, walk, type PyNode, type SourceFile } from '../../src/parse/syntax-node.js';

const SOURCE = `def f(self, __secret, xs):
    if xs:
        return 1, 2
    for x in (
            xs):
        total = self.__secret + g(x)
`;

async function parsed(): Promise<{ file: SourceFile; find: (text: string) => PyNode; first: (kind: NodeKind) => PyNode }> {
  const { file } = await parsePython(SOURCE, 'm.py');
  /** The first node in pre-order (so the outermost) that matches. */
  const search = (match: (n: PyNode) => boolean): PyNode => {
    let found: PyNode | null = null;
    walk(file.root, (n) => {
      if (found) return false;
      if (match(n)) found = n;
    });
    if (!found) throw new Error('no such node');
    return found;
  };
  return { file, find: (text) => search((n) => textOf(file, n) === text), first: (kind) => search((n) => isKind(n, kind)) };
}

const name = (n: string): PyExpr => ({ kind: 'Name', name: n });

describe('PythonCode', () => {
  it('renders synthetic expressions', async () => {
    const { file } = await parsed();
    const code = new PythonCode(file, '_User');
    const pending = name('__sf_f0');
    expect(code.expr({ kind: 'Tuple', items: [{ kind: 'Str', value: 'break' }] })).toBe("('break',)");
    expect(code.expr({ kind: 'Tuple', items: [{ kind: 'Str', value: 'return' }, { kind: 'None' }] })).toBe("('return', None)");
    expect(code.expr({ kind: 'Compare', left: { kind: 'Subscript', value: pending, index: { kind: 'Int', value: 0 } }, op: '==', right: { kind: 'Str', value: 'raise' } })).toBe(
      "__sf_f0[0] == 'raise'",
    );
    expect(code.expr({ kind: 'Compare', left: name('__sf_i1'), op: '<', right: { kind: 'Call', fn: 'len', args: [name('__sf_it0')] } })).toBe('__sf_i1 < len(__sf_it0)');
    expect(code.expr({ kind: 'Not', operand: name('__sf_t2') })).toBe('not __sf_t2');
    expect(['list', 'set', 'dict'].map((of) => code.expr({ kind: 'Empty', of: of as 'list' }))).toEqual(['[]', 'set()', '{}']);
  });

  it('renders user source with temporaries, mangled private names and a bare tuple as one value', async () => {
    const { file, find } = await parsed();
    const code = new PythonCode(file, '_User');
    const sum = find('self.__secret + g(x)');
    const call = find('g(x)');
    expect(code.expr({ kind: 'Source', node: sum, replacements: new Map([[call, '__sf_t0']]) })).toBe('self._User__secret + __sf_t0');
    const tuple = find('1, 2');
    expect(code.expr({ kind: 'Source', node: tuple, replacements: new Map() })).toBe('1, 2');
    expect(code.expr({ kind: 'Source', node: tuple, replacements: new Map(), asValue: true })).toBe('(1, 2)');
  });

  it('renders statements at the indentation it is given, moving continuation lines of compound statements', async () => {
    const { file, first } = await parsed();
    const code = new PythonCode(file, null);
    const loop = first('for_statement');
    expect(code.stmt({ kind: 'SourceStatement', node: loop, replacements: new Map(), reindent: true }, '        ')).toBe(
      '        for x in (\n                xs):\n            total = self.__secret + g(x)',
    );
    const ifStmt = first('if_statement');
    const cond = fieldOf(ifStmt, 'condition')!;
    expect(code.stmt({ kind: 'SourceIf', node: ifStmt, from: cond, replacements: new Map() }, '    ')).toBe(
      "    if xs:\n        return ('return', (1, 2))",
    );
    expect(code.stmt({ kind: 'Unbind', name: 'e' }, '    ')).toBe('    e = None; del e');
    expect(code.stmt({ kind: 'RereadIfMutable', name: '__sf_t1', target: name('x') }, '')).toBe(
      'if type(__sf_t1) in (list, dict, set, bytearray): __sf_t1 = x',
    );
    expect(code.stmt({ kind: 'AugAssign', target: name('__sf_i1'), op: '+=', value: { kind: 'Int', value: 1 } }, '')).toBe('__sf_i1 += 1');
    expect(code.stmt({ kind: 'AddTo', collection: '__sf_t3', of: 'set', value: name('v') }, '')).toBe('__sf_t3.add(v)');
    expect(code.stmt({ kind: 'Raise', value: { kind: 'Subscript', value: name('__sf_f0'), index: { kind: 'Int', value: 1 } } }, '')).toBe('raise __sf_f0[1]');
  });
});
