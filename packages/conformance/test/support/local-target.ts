import type { Program } from '@stateflow/ir';
import type { PythonHost } from '@stateflow/python-host';
import { LocalRuntime } from '@stateflow/runtime-local';
import type { ConformanceClient, ConformanceTarget } from '../../src/index.js';

/** The conformance target adapter over the embedded runtime: one LocalRuntime per scenario, sharing a host. */
export function localTarget(host: PythonHost): ConformanceTarget {
  return {
    async deploy(program: Program): Promise<ConformanceClient> {
      const runtime = await LocalRuntime.start(program, { host });
      return {
        create: (entity, args, kwargs) => runtime.create(entity, args, kwargs),
        invoke: (entity, key, method, args, kwargs) => runtime.invoke(entity, key, method, args, kwargs),
        getState: async (entity, key) => runtime.getState(entity, key),
        close: () => runtime.stop(),
      };
    },
  };
}
