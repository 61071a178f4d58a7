import type { Random } from './random.js';

/**
 * Generates random but mostly well-formed StateFlow programs: entity classes whose
 * methods nest if/while/for/try/with/lambda/comprehensions around remote calls, reads
 * and creations, with random annotations.
 */
export function generateProgram(rnd: Random): string {
  const entities = ['Item', 'User', 'Node'].slice(0, 1 + rnd.int(3));
  const out = ['from typing import List, Dict, Optional, Any', 'from stateflow import stateflow, EntityExistsError', ''];
  out.push('class Oops(Exception):', '    pass', '', 'LIMIT = 3', '', 'def helper(x):', '    return x', '');
  for (const name of entities) {
    out.push('@stateflow', `class ${name}:`);
    out.push(`    def __init__(self, key: str${rnd.chance(0.3) ? ', n: int = 0' : ''}):`);
    out.push('        self.key: str = key', '        self.n: int = 0');
    out.push(`        self.peers: List[${rnd.pick(entities)}] = []`);
    out.push(`        self.other: Optional[${rnd.pick(entities)}] = None`);
    out.push('');
    out.push('    def get(self) -> int:', '        return self.n', '');
    out.push('    def put(self, v: int = 1, *, note: str = "") -> int:', '        self.n += v', '        return self.n', '');
    const methods = 1 + rnd.int(3);
    for (let m = 0; m < methods; m++) {
      const peer = rnd.pick(entities);
      const ann = rnd.pick(['', ' -> int', ' -> Any', ` -> "${peer}"`, ' -> Optional[int]', ' -> List[int]']);
      out.push(`    def m${m}(self, p: ${rnd.pick([peer, `"${peer}"`, `Optional[${peer}]`, `List[${peer}]`, 'Any', 'int'])}, k: int = 2)${ann}:`);
      const gen = new Body(rnd, entities, 2);
      gen.block(2);
      out.push(...gen.lines);
      out.push('        return k', '');
    }
    out.push('    def __key__(self):', '        return self.key', '');
  }
  return `${out.join('\n')}\n`;
}

class Body {
  readonly lines: string[] = [];
  private vars = ['k'];

  constructor(
    private readonly rnd: Random,
    private readonly entities: string[],
    private readonly indent: number,
  ) {}

  private remote(): string {
    const r = this.rnd;
    const target = r.pick(['p', 'self.other', 'self.peers[0]', 'q', 'self']);
    switch (r.int(7)) {
      case 0:
        return `${target}.get()`;
      case 1:
        return `${target}.put(${this.expr(1)}, note="x")`;
      case 2:
        return `${target}.n`;
      case 3:
        return `${r.pick(this.entities)}(str(${this.expr(1)}))`;
      case 4:
        return `self.m${r.int(3)}(p)`;
      case 5:
        return `${target}.m${r.int(3)}(${target})`;
      default:
        return `${target}.key`;
    }
  }

  expr(depth: number): string {
    const r = this.rnd;
    if (depth > 2) return r.pick([...this.vars, '1', 'LIMIT', 'self.n', 'None']);
    switch (r.int(11)) {
      case 0:
      case 1:
        return this.remote();
      case 2:
        return `${this.expr(depth + 1)} ${r.pick(['+', '-', '*', 'and', 'or', '<', '==', 'is', 'in'])} ${this.expr(depth + 1)}`;
      case 3:
        return `${this.expr(depth + 1)} if ${this.expr(depth + 1)} else ${this.expr(depth + 1)}`;
      case 4:
        return `[${this.expr(depth + 1)} for x in ${r.pick(['self.peers', 'range(3)', '[p]'])}${r.chance(0.3) ? ` if ${this.expr(depth + 1)}` : ''}]`;
      case 5:
        return `(lambda y: ${this.expr(depth + 1)})(1)`;
      case 6:
        return `helper(${this.expr(depth + 1)})`;
      case 7:
        return `{${JSON.stringify('a')}: ${this.expr(depth + 1)}}`;
      case 8:
        return `sum(${this.expr(depth + 1)} for _ in range(2))`;
      case 9:
        return `not ${this.expr(depth + 1)}`;
      default:
        return r.pick([...this.vars, '0', 'k', 'self.n', '"s"', 'LIMIT']);
    }
  }

  private emit(level: number, text: string): void {
    this.lines.push(`${'    '.repeat(level)}${text}`);
  }

  block(level: number, budget = 2 + this.rnd.int(4)): void {
    for (let i = 0; i < budget; i++) this.statement(level);
  }

  private statement(level: number): void {
    const r = this.rnd;
    const deep = level > 5;
    switch (deep ? r.int(4) : r.int(14)) {
      case 0: {
        const v = `v${this.vars.length}`;
        const ann = r.chance(0.3) ? `: ${r.pick(['int', 'Any', this.entities[0]!, `List[${this.entities[0]}]`])}` : '';
        this.emit(level, `${v}${ann} = ${this.expr(0)}`);
        this.vars.push(v);
        if (ann.includes(this.entities[0]!)) this.vars.push('q');
        return;
      }
      case 1:
        this.emit(level, `self.n ${r.pick(['=', '+=', '-='])} ${this.expr(0)}`);
        return;
      case 2:
        this.emit(level, r.pick(['pass', `${this.expr(0)}`, `self.peers.append(${r.pick(['p', 'self'])})`]));
        return;
      case 3:
        this.emit(level, r.pick([`return ${this.expr(0)}`, `raise Oops(str(${this.expr(0)}))`, 'pass']));
        return;
      case 4:
        this.emit(level, `if ${this.expr(0)}:`);
        this.block(level + 1, 1 + r.int(2));
        if (r.chance(0.4)) {
          this.emit(level, `elif ${this.expr(0)}:`);
          this.block(level + 1, 1);
        }
        if (r.chance(0.5)) {
          this.emit(level, 'else:');
          this.block(level + 1, 1 + r.int(2));
        }
        return;
      case 5:
        this.emit(level, `while ${this.expr(0)}:`);
        this.loopBody(level + 1);
        return;
      case 6:
        this.emit(level, `for ${r.pick(['x', 'x, y', '(a, b)'])} in ${r.pick(['self.peers', 'range(k)', 'enumerate(self.peers)', this.expr(0)])}:`);
        this.loopBody(level + 1);
        return;
      case 7:
        this.emit(level, 'try:');
        this.block(level + 1, 1 + r.int(2));
        for (let i = 0; i < 1 + r.int(2); i++) {
          this.emit(level, r.pick(['except Oops:', 'except (KeyError, ValueError) as e:', 'except EntityExistsError:', 'except:', 'except Exception as e:']));
          this.block(level + 1, 1);
        }
        if (r.chance(0.3)) {
          this.emit(level, 'else:');
          this.block(level + 1, 1);
        }
        if (r.chance(0.4)) {
          this.emit(level, 'finally:');
          this.block(level + 1, 1);
        }
        return;
      case 8:
        this.emit(level, `with ${r.pick(['open("f")', 'self.lock', this.expr(0)])} as w:`);
        this.block(level + 1, 1);
        return;
      case 9:
        this.emit(level, `f = lambda z: ${this.expr(0)}`);
        return;
      case 10:
        this.emit(level, `def inner(z${r.chance(0.5) ? ': int' : ''}):`);
        this.block(level + 1, 1);
        return;
      case 11:
        this.emit(level, `assert ${this.expr(0)}`);
        return;
      case 12:
        this.emit(level, r.pick([`v = [${this.expr(0)} for x in self.peers]`, `d = {x: ${this.expr(0)} for x in range(2)}`, `s = {${this.expr(0)} for x in [p]}`]));
        return;
      default:
        this.emit(level, `${r.pick(['a', 'b'])}, c = ${this.expr(0)}, ${this.expr(0)}`);
        return;
    }
  }

  private loopBody(level: number): void {
    this.block(level, 1 + this.rnd.int(2));
    if (this.rnd.chance(0.5)) this.emit(level, this.rnd.pick(['break', 'continue', `if ${this.expr(0)}: break`]));
  }
}
