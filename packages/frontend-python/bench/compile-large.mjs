// Compile-time benchmark: a generated program of about 10,000 lines with many entities
// whose methods split at remote calls inside loops, try, and/or, comprehensions.
// Run after a build: `node bench/compile-large.mjs [lines]`. Prints the median of 5 runs,
// wall-clock and CPU time of the process (the latter is less sensitive to a loaded machine).
import { compile } from '../dist/index.js';

const target = Number(process.argv[2] ?? 10000);

function entity(i) {
  const peer = `E${(i + 1) % 1000}`;
  return `
@stateflow
class E${i}:
    def __init__(self, name: str):
        self.name: str = name
        self.value: int = 0
        self.peers: List["${peer}"] = []
        self.next: Optional["${peer}"] = None

    def get(self) -> int:
        return self.value

    def add(self, x: int, times: int = 1) -> int:
        self.value += x * times
        return self.value

    def total(self) -> int:
        t = 0
        for i, p in enumerate(self.peers):
            if i % 2 == 0 and p.get() > 3:
                continue
            t += p.add(i, times=2)
        return t + (self.next.get() if self.next else 0)

    def careful(self, k: int) -> str:
        try:
            while k > 0:
                k -= self.next.add(1)
                if k < -10:
                    break
        except ValueError as e:
            return str(e)
        finally:
            self.value += 1
        return "ok"

    def gather(self) -> int:
        return sum([p.get() for p in self.peers if p.get() > 0]) + helper(self.value)

    def __key__(self):
        return self.name
`;
}

let source = 'from typing import List, Optional\nfrom stateflow import stateflow\n\n\ndef helper(x: int) -> int:\n    return x * 2\n';
let n = 0;
while (source.split('\n').length < target) source += entity(n++);
const lines = source.split('\n').length;

await compile('x = 1\n', { path: 'warmup.py' });
const times = [];
const cpu = [];
let result;
for (let k = 0; k < 5; k++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  result = await compile(source, { path: 'bench.py' });
  const c = process.cpuUsage(c0);
  times.push(performance.now() - t0);
  cpu.push((c.user + c.system) / 1000);
}
times.sort((a, b) => a - b);
cpu.sort((a, b) => a - b);
if (!result.program) {
  console.error(result.diagnostics.slice(0, 5));
  process.exit(1);
}
const blocks = result.program.entities.flatMap((e) => e.methods).filter((m) => m.body.kind === 'SplitBody')
  .reduce((s, m) => s + m.body.blocks.length, 0);
console.log(`${lines} lines, ${n} entities, ${blocks} blocks: median ${times[2].toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[4].toFixed(0)}); ` +
  `CPU time median ${cpu[2].toFixed(0)} ms (min ${cpu[0].toFixed(0)}; includes the garbage collector's threads)`);
