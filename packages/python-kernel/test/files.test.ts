import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelFiles, kernelPythonDir } from '../src/index.js';

describe('kernelPythonDir', () => {
  it('is the absolute path of the folder holding the Python packages', () => {
    const dir = kernelPythonDir();
    expect(isAbsolute(dir)).toBe(true);
    expect(existsSync(join(dir, 'stateflow_kernel', 'kernel.py'))).toBe(true);
    expect(existsSync(join(dir, 'stateflow', '__init__.py'))).toBe(true);
  });
});

describe('kernelFiles', () => {
  it('lists every .py file with relative paths and contents', async () => {
    const files = await kernelFiles();
    const paths = files.map((f) => f.path);
    expect(paths).toContain('stateflow/__init__.py');
    expect(paths).toContain('stateflow_kernel/__init__.py');
    expect(paths).toContain('stateflow_kernel/serve.py');
    expect(paths.every((p) => p.endsWith('.py') && !p.startsWith('/') && !p.includes('__pycache__'))).toBe(true);
    expect(files.find((f) => f.path === 'stateflow_kernel/kernel.py')?.contents).toContain('class Kernel');
  });
});
