import { systemError, type EntityClass, type ErrorValue, type Program } from '@stateflow/ir';

/** Finds an entity class, or explains that it does not exist. */
export function findEntity(program: Program, entity: string): { cls: EntityClass } | { error: ErrorValue } {
  const found = program.entities.find((e) => e.name === entity);
  return found ? { cls: found } : { error: unknownEntity(program, entity) };
}

/** The error of a call to an entity class the program does not have. */
export function unknownEntity(program: Program, entity: string): ErrorValue {
  const known = program.entities.map((e) => e.name).join(', ') || 'none';
  return systemError('UnknownEntity', `there is no entity class '${entity}' (entities: ${known})`);
}

/** The entity classes of a program by name (the first of a name wins, as in {@link findEntity}). */
export function entityClassesByName(program: Program): Map<string, EntityClass> {
  const byName = new Map<string, EntityClass>();
  for (const cls of program.entities) if (!byName.has(cls.name)) byName.set(cls.name, cls);
  return byName;
}

/**
 * Checks that a client may call `method` on `cls`: it must be a method of the class in
 * the IR and must not be private (names starting with `_` are for self calls only).
 * Returns `undefined` when the call is allowed.
 */
export function checkPublicMethod(cls: EntityClass, method: string): ErrorValue | undefined {
  // Checked per call: the list of public methods is built only for the error message.
  const isPrivate = method.startsWith('_');
  if (!isPrivate && hasMethod(cls, method)) return undefined;
  const publicNames = cls.methods.filter((m) => !m.name.startsWith('_')).map((m) => m.name);
  const list = publicNames.join(', ') || 'none';
  if (isPrivate) {
    return systemError(
      'UnknownMethod',
      `${cls.name}.${method} cannot be called from outside: names starting with '_' are private to the entity (public methods: ${list})`,
    );
  }
  return systemError('UnknownMethod', `${cls.name} has no method '${method}' (public methods: ${list})`);
}

function hasMethod(cls: EntityClass, method: string): boolean {
  for (const m of cls.methods) if (m.name === method) return true;
  return false;
}
