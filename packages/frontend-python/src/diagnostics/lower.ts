import { defineDiagnostics } from './define.js';

/** Diagnostics of the `lower` stage: the entity model (SF2xxx). */
export const LowerDiagnostics = defineDiagnostics({
  MissingKeyMethod: {
    code: 'SF2001',
    message: (d: { entity: string }) => `entity '${d.entity}' has no __key__()`,
    help: 'add `def __key__(self)` returning the partition key',
  },
  DuplicateEntity: {
    code: 'SF2002',
    message: (d: { entity: string }) => `entity '${d.entity}' is defined more than once`,
    help: 'give each @stateflow class a unique name',
  },
  NestedEntityClass: {
    code: 'SF2003',
    message: (d: { entity: string }) =>
      `@stateflow class '${d.entity}' is nested inside another class or function`,
    help: 'define @stateflow classes at the top level of the module',
  },
  UnknownEntityMethod: {
    code: 'SF2004',
    message: (d: { entity: string; method: string }) =>
      `entity ${d.entity} has no method ${d.method}`,
    help: (d: { entity: string; method: string }) =>
      `call one of the methods defined in class ${d.entity} (methods taking self, not dunders or static methods)`,
  },
  RemoteInSpecialMethod: {
    code: 'SF2005',
    message: (d: { method: string }) =>
      `${d.method} may not interact with other entities`,
    help: '__init__ runs before the key is known and __key__ must be local; move the call into an ordinary method',
  },
  AsyncMethod: {
    code: 'SF2006',
    message: (d: { method: string }) => `entity method '${d.method}' is async`,
    help: 'write entity methods as plain `def`; remote calls look synchronous and are split by the compiler',
  },
  UnsupportedDecorator: {
    code: 'SF2007',
    message: (d: { decorator: string }) => `decorator @${d.decorator} is not supported on entity methods`,
    help: 'only @staticmethod and @classmethod (plain helpers, not entity methods) are allowed; remove the decorator',
  },
  YieldInEntityMethod: {
    code: 'SF2008',
    message: (d: { method: string }) => `entity method '${d.method}' is a generator (uses yield)`,
    help: 'return a list instead of yielding values',
  },
  StateflowNotImported: {
    code: 'SF2009',
    message: (d: { entity: string; form: string }) =>
      `class '${d.entity}' uses ${d.form} but stateflow is not imported`,
    help: (d: { entity: string; form: string }) =>
      d.form.includes('stateflow.stateflow')
        ? 'add `import stateflow` at the top of the module'
        : 'add `from stateflow import stateflow` at the top of the module',
  },
  EntityBaseClass: {
    code: 'SF2010',
    message: (d: { entity: string }) => `entity '${d.entity}' has a base class`,
    help: 'entity classes may not inherit (except from object); move shared code into helper functions',
  },
  MissingSelfParameter: {
    code: 'SF2011',
    message: (d: { method: string }) => `entity method '${d.method}' has no self parameter`,
    help: 'add `self` as the first parameter, or mark the method @staticmethod',
  },
  ReservedName: {
    code: 'SF2012',
    message: (d: { name: string }) => `the name '${d.name}' is reserved for generated code`,
    help: 'rename it: names starting with `__sf_` belong to the compiler',
  },
  PrivateRemoteMethod: {
    code: 'SF2013',
    message: (d: { entity: string; method: string }) =>
      `method ${d.entity}.${d.method} is private and cannot be called on another entity`,
    help: 'private methods (starting with `_`) are reachable through self only; make the method public',
  },
  UnknownEntityAttribute: {
    code: 'SF2015',
    message: (d: { entity: string; attr: string }) => `entity ${d.entity} has no field ${d.attr}`,
    help: (d: { entity: string; attr: string }) =>
      `read a field that ${d.entity} assigns as \`self.<name> = ...\` (call methods with parentheses)`,
  },
  StateflowCallWithoutClass: {
    code: 'SF2016',
    message: (d: { call: string }) =>
      `\`${d.call}\` does not register a class: it must name a class defined earlier at the top level of the module`,
    help: 'decorate the class with `@stateflow` (the line above `class Name:`), or register it after its definition with a top-level `stateflow(Name)` or `Name = stateflow(Name)`',
  },
  EntityCallInLambda: {
    code: 'SF2017',
    message: (d: { param: string; entity: string; access: string; example: string; iterable: string }) =>
      `this lambda ${d.access} on its parameter '${d.param}', which stands for the ${d.entity} entities of \`${d.iterable}\`: a lambda runs inside the function it is passed to, where a remote interaction cannot be split`,
    help: (d: { param: string; example: string; iterable: string }) =>
      `write a loop in the method instead, e.g. \`for ${d.param} in ${d.iterable}:\` then \`value = ${d.example}\` and keep the best (or every) value in a local variable; a comprehension works too: \`values = [${d.example} for ${d.param} in ${d.iterable}]\``,
  },
  RemoteInStaticMethod: {
    code: 'SF2014',
    message: (d: { method: string }) =>
      `static or class method '${d.method}' interacts with other entities`,
    help: 'only methods taking self may call other entities; make it an ordinary method',
  },
});
