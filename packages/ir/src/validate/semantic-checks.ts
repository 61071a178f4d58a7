import type { Block, EntityClass, Method, Program, Terminator } from '../program.js';
import { isPythonIdentifier } from './python-identifier.js';
import { pointer, type IrValidationError } from './validation-error.js';

type Path = (string | number)[];

/** Terminators a `detached` block may end in: the ones that need no interaction. */
const RUNS_ANYWHERE: ReadonlySet<Terminator['kind']> = new Set(['Return', 'Jump', 'Branch']);

/**
 * Checks the cross references the schema cannot express. Expects a value that already
 * matches the IR schema. Returns every problem found, with JSON pointers.
 */
export function checkProgramSemantics(program: Program): IrValidationError[] {
  const errors: IrValidationError[] = [];
  const report = (path: Path, message: string): void => {
    errors.push({ path: pointer(...path), message });
  };

  const entities = new Map<string, EntityClass>();
  program.entities.forEach((entity, i) => {
    if (entities.has(entity.name)) {
      report(['entities', i, 'name'], `duplicate entity class '${entity.name}'`);
    } else {
      entities.set(entity.name, entity);
    }
  });

  const functions = new Map<string, string>();
  program.entities.forEach((entity, i) => {
    const seen = new Set<string>();
    entity.methods.forEach((method, j) => {
      if (seen.has(method.name)) {
        report(['entities', i, 'methods', j, 'name'], `duplicate method '${method.name}' in entity '${entity.name}'`);
      }
      seen.add(method.name);
    });
    const methods: [Method, Path][] = [
      [entity.init, ['entities', i, 'init']],
      ...entity.methods.map((m, j): [Method, Path] => [m, ['entities', i, 'methods', j]]),
    ];
    for (const [method, path] of methods) {
      checkMethod(entity, method, path);
    }
  });
  return errors;

  function checkMethod(entity: EntityClass, method: Method, path: Path): void {
    if (method.body.kind !== 'SplitBody') return;
    const where = `${entity.name}.${method.name}`;
    const bodyPath = [...path, 'body'];
    const blocks = new Map<string, Block>();
    method.body.blocks.forEach((block, k) => {
      if (blocks.has(block.id)) {
        report([...bodyPath, 'blocks', k, 'id'], `duplicate block id '${block.id}' in ${where}`);
      } else {
        blocks.set(block.id, block);
      }
    });
    const entry = blocks.get(method.body.entry);
    if (!entry) {
      report([...bodyPath, 'entry'], `entry block '${method.body.entry}' is not a block of ${where}`);
    } else {
      const paramNames = new Set(method.params.map((p) => p.name));
      entry.params.forEach((name, n) => {
        if (!paramNames.has(name)) {
          const k = method.body.kind === 'SplitBody' ? method.body.blocks.indexOf(entry) : 0;
          report(
            [...bodyPath, 'blocks', k, 'params', n],
            `entry block '${entry.id}' of ${where} takes '${name}', which is not a parameter of the method`,
          );
        }
      });
    }
    method.body.blocks.forEach((block, k) => {
      const blockPath = [...bodyPath, 'blocks', k];
      const fnPath = [...blockPath, 'function'];
      if (!isPythonIdentifier(block.function)) {
        report(fnPath, `block function '${block.function}' is not a valid Python identifier`);
      } else {
        const other = functions.get(block.function);
        if (other !== undefined) {
          report(fnPath, `block function '${block.function}' is also used at ${other}`);
        } else {
          functions.set(block.function, pointer(...fnPath));
        }
      }
      if (block.detached === true && !RUNS_ANYWHERE.has(block.terminator.kind)) {
        report(
          [...blockPath, 'detached'],
          `block '${block.id}' of ${where} is detached but ends in ${block.terminator.kind}; ` +
            'only a block ending in Return, Jump or Branch can run at another instance: drop `detached`',
        );
      }
      checkTerminator(entity, where, blocks, block.terminator, [...blockPath, 'terminator']);
    });
  }

  function checkTerminator(
    entity: EntityClass,
    where: string,
    blocks: Map<string, Block>,
    t: Terminator,
    path: Path,
  ): void {
    /** Checks a successor exists and receives every variable it takes. */
    const successor = (field: string, id: string, given: string[]): void => {
      const target = blocks.get(id);
      if (!target) {
        report([...path, field], `block '${id}' is not a block of ${where}`);
        return;
      }
      const available = new Set(given);
      const missing = target.params.filter((p) => !available.has(p));
      if (missing.length > 0) {
        report(
          [...path, 'live'],
          `block '${id}' takes ${missing.map((m) => `'${m}'`).join(', ')}, which this terminator does not carry`,
        );
      }
    };
    const entityNamed = (name: string): EntityClass | undefined => {
      const target = entities.get(name);
      if (!target) report([...path, 'entity'], `unknown entity class '${name}'`);
      return target;
    };

    switch (t.kind) {
      case 'Return':
        return;
      case 'Jump':
        successor('target', t.target, t.live);
        return;
      case 'Branch':
        successor('ifTrue', t.ifTrue, t.live);
        successor('ifFalse', t.ifFalse, t.live);
        return;
      case 'Invoke': {
        const target = entityNamed(t.entity);
        if (target && !target.methods.some((m) => m.name === t.method)) {
          report([...path, 'method'], `entity '${t.entity}' has no method '${t.method}'`);
        }
        break;
      }
      case 'ReadAttr': {
        const target = entityNamed(t.entity);
        if (target && !target.fields.some((f) => f.name === t.attr)) {
          report([...path, 'attr'], `entity '${t.entity}' has no field '${t.attr}'`);
        }
        break;
      }
      case 'InvokeSelf':
        if (!entity.methods.some((m) => m.name === t.method)) {
          report([...path, 'method'], `entity '${entity.name}' has no method '${t.method}'`);
        }
        break;
      case 'Create':
        entityNamed(t.entity);
        break;
    }
    successor('resume', t.resume, [...t.live, t.resultVar]);
    if ((t.onError === undefined) !== (t.errorVar === undefined)) {
      report([...path, t.onError === undefined ? 'errorVar' : 'onError'], 'onError and errorVar go together: set both or neither');
    } else if (t.onError !== undefined) {
      successor('onError', t.onError, [...t.live, t.errorVar!]);
    }
  }
}
