import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One Python source file of the kernel. */
export interface KernelFile {
  /** Path relative to {@link kernelPythonDir}, with `/` separators, e.g. `stateflow_kernel/kernel.py`. */
  path: string;
  contents: string;
}

/**
 * Absolute path of the folder holding the kernel's Python packages (`stateflow_kernel`
 * and the `stateflow` shim). Put it on `sys.path` (or `PYTHONPATH`) to import the kernel.
 * Resolved from this module's location, so it works from `dist` inside `node_modules`.
 */
export function kernelPythonDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'python');
}

/**
 * Every `.py` file of the kernel, with its path relative to {@link kernelPythonDir},
 * sorted by path. For hosts that copy the kernel into their own file system (Pyodide).
 */
export function kernelFiles(): Promise<KernelFile[]> {
  return pythonFiles(kernelPythonDir());
}

/**
 * Every `.py` file below `root` (`__pycache__` folders left out), with its path relative
 * to `root`, sorted by path. Backends use it to copy their own Python packages into an
 * artifact beside the kernel.
 */
export async function pythonFiles(root: string): Promise<KernelFile[]> {
  const out: KernelFile[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__') await walk(full);
      } else if (entry.name.endsWith('.py')) {
        out.push({ path: relative(root, full).split(sep).join('/'), contents: await readFile(full, 'utf8') });
      }
    }
  }
  await walk(root);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
