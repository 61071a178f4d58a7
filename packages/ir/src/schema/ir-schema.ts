import { JSON_SCHEMA_DIALECT, kindObject, kindUnion, ref, type JsonSchema } from './json-schema.js';

const name: JsonSchema = { type: 'string', minLength: 1 };
const names: JsonSchema = { type: 'array', items: name };

/** Fields shared by `Invoke`, `ReadAttr`, `InvokeSelf` and `Create`. */
const resuming: { [name: string]: JsonSchema } = {
  resume: { ...ref('BlockId'), description: 'Block that continues when the result arrives.' },
  resultVar: { ...name, description: 'Variable the result is bound to in `resume`.' },
  live: { ...names, description: 'Variables carried to `resume` (and to `onError`), not counting `resultVar`.' },
  onError: { ...ref('BlockId'), description: 'Since 0.2: block that continues when the interaction fails.' },
  errorVar: { ...name, description: 'Since 0.2: variable the exception is bound to in `onError`.' },
  loc: ref('Loc'),
};
const resumingRequired = ['resume', 'resultVar', 'live', 'loc'];

/**
 * JSON Schema (draft-07) of a whole {@link Program}. Every union is discriminated by
 * `kind`, and an unknown `kind` is rejected. Unknown extra properties are allowed, so a
 * reader accepts IR of a later minor `irVersion` that adds optional fields (see the
 * versioning rule in the package README). Cross references (block ids, entity and
 * method names) are checked by `validateProgram`, not by the schema.
 */
export const irSchema: JsonSchema = {
  $schema: JSON_SCHEMA_DIALECT,
  $id: 'urn:stateflow:schema:ir',
  title: 'StateFlow IR program',
  $ref: '#/definitions/Program',
  definitions: {
    Program: kindObject(
      'Program',
      'A whole compiled program: entity classes and the compiled Python module.',
      {
        irVersion: {
          type: 'string',
          pattern: '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$',
          description: 'IR format version, `MAJOR.MINOR.PATCH`.',
        },
        module: ref('PythonModule'),
        entities: { type: 'array', items: ref('EntityClass') },
      },
      ['irVersion', 'module', 'entities'],
    ),
    PythonModule: kindObject(
      'PythonModule',
      "The user's source followed by the generated block functions.",
      { name, path: { type: 'string' }, source: { type: 'string' } },
      ['name', 'path', 'source'],
    ),
    EntityClass: kindObject(
      'EntityClass',
      'A `@stateflow` class: one keyed operator.',
      {
        name,
        loc: ref('Loc'),
        key: {
          type: 'object',
          required: ['method', 'type'],
          properties: { method: { const: '__key__' }, type: ref('TypeRef') },
        },
        fields: { type: 'array', items: ref('Field') },
        init: ref('Method'),
        methods: { type: 'array', items: ref('Method') },
      },
      ['name', 'loc', 'key', 'fields', 'init', 'methods'],
    ),
    Field: kindObject(
      'Field',
      'A state field.',
      { name, type: ref('TypeRef'), loc: ref('Loc') },
      ['name', 'type', 'loc'],
    ),
    Param: kindObject(
      'Param',
      'A method parameter (without `self`).',
      {
        name,
        type: ref('TypeRef'),
        default: { type: 'string', description: 'Python source text of the default value.' },
        mode: { enum: ['positional-or-keyword', 'keyword-only', 'var-positional', 'var-keyword'] },
        loc: ref('Loc'),
      },
      ['name', 'type', 'mode', 'loc'],
    ),
    Method: kindObject(
      'Method',
      'A method of an entity class.',
      {
        name,
        params: { type: 'array', items: ref('Param') },
        returns: ref('TypeRef'),
        writes: { type: 'boolean' },
        loc: ref('Loc'),
        body: kindUnion({ SimpleBody: 'SimpleBody', SplitBody: 'SplitBody' }),
      },
      ['name', 'params', 'returns', 'writes', 'loc', 'body'],
    ),
    SimpleBody: kindObject('SimpleBody', 'A method without remote interactions.', {}, []),
    SplitBody: kindObject(
      'SplitBody',
      'A method split into blocks at its remote interactions.',
      { entry: ref('BlockId'), blocks: { type: 'array', minItems: 1, items: ref('Block') } },
      ['entry', 'blocks'],
    ),
    Block: kindObject(
      'Block',
      'Local Python code ending in one terminator.',
      {
        id: ref('BlockId'),
        function: { ...name, description: 'Module-level Python function `def f(self, env)`.' },
        params: { ...names, description: 'Live-in variables.' },
        mayReturn: { type: 'boolean' },
        detached: {
          const: true,
          description:
            'Since 0.2.1: the block never uses `self` and ends in Return, Jump or Branch: any instance can run it. Set only when true.',
        },
        terminator: ref('Terminator'),
        loc: ref('Loc'),
      },
      ['id', 'function', 'params', 'mayReturn', 'terminator', 'loc'],
    ),
    Terminator: kindUnion({
      Return: 'ReturnTerminator',
      Jump: 'JumpTerminator',
      Branch: 'BranchTerminator',
      Invoke: 'InvokeTerminator',
      ReadAttr: 'ReadAttrTerminator',
      InvokeSelf: 'InvokeSelfTerminator',
      Create: 'CreateTerminator',
    }),
    ReturnTerminator: kindObject('Return', 'Ends the method with a value.', { loc: ref('Loc') }, ['loc']),
    JumpTerminator: kindObject(
      'Jump',
      'Continues at one block.',
      { target: ref('BlockId'), live: names, loc: ref('Loc') },
      ['target', 'live', 'loc'],
    ),
    BranchTerminator: kindObject(
      'Branch',
      'Continues at one of two blocks chosen by a local condition.',
      { ifTrue: ref('BlockId'), ifFalse: ref('BlockId'), live: names, loc: ref('Loc') },
      ['ifTrue', 'ifFalse', 'live', 'loc'],
    ),
    InvokeTerminator: kindObject(
      'Invoke',
      'Calls a method of another entity.',
      { entity: name, method: name, ...resuming },
      ['entity', 'method', ...resumingRequired],
    ),
    ReadAttrTerminator: kindObject(
      'ReadAttr',
      'Reads an attribute of another entity.',
      { entity: name, attr: name, ...resuming },
      ['entity', 'attr', ...resumingRequired],
    ),
    InvokeSelfTerminator: kindObject(
      'InvokeSelf',
      'Calls a split method of the same instance, in the same hop.',
      { method: name, ...resuming },
      ['method', ...resumingRequired],
    ),
    CreateTerminator: kindObject(
      'Create',
      'Creates an entity; the result is a reference to it.',
      { entity: name, ...resuming },
      ['entity', ...resumingRequired],
    ),
    BlockId: { type: 'string', minLength: 1, description: 'Identifies a block inside one method.' },
    TypeRef: kindUnion({
      Int: 'IntType',
      Float: 'FloatType',
      Str: 'StrType',
      Bool: 'BoolType',
      Bytes: 'BytesType',
      NoneType: 'NoneTypeType',
      Any: 'AnyType',
      List: 'ListType',
      Set: 'SetType',
      Dict: 'DictType',
      Tuple: 'TupleType',
      Optional: 'OptionalType',
      Union: 'UnionType',
      EntityRef: 'EntityRefType',
    }),
    IntType: kindObject('Int', '`int`', {}, []),
    FloatType: kindObject('Float', '`float`', {}, []),
    StrType: kindObject('Str', '`str`', {}, []),
    BoolType: kindObject('Bool', '`bool`', {}, []),
    BytesType: kindObject('Bytes', '`bytes`', {}, []),
    NoneTypeType: kindObject('NoneType', '`None`', {}, []),
    AnyType: kindObject('Any', 'A missing or unrecognised annotation.', {}, []),
    ListType: kindObject('List', '`List[T]`', { item: ref('TypeRef') }, ['item']),
    SetType: kindObject('Set', '`Set[T]`', { item: ref('TypeRef') }, ['item']),
    DictType: kindObject('Dict', '`Dict[K, V]`', { key: ref('TypeRef'), value: ref('TypeRef') }, ['key', 'value']),
    TupleType: kindObject(
      'Tuple',
      '`Tuple[A, B]`, or `Tuple[A, ...]` with `variadic: true` and one item.',
      { items: { type: 'array', items: ref('TypeRef') }, variadic: { type: 'boolean' } },
      ['items'],
    ),
    OptionalType: kindObject('Optional', '`Optional[T]`', { item: ref('TypeRef') }, ['item']),
    UnionType: kindObject(
      'Union',
      '`Union[A, B]`',
      { options: { type: 'array', items: ref('TypeRef') } },
      ['options'],
    ),
    EntityRefType: kindObject('EntityRef', 'A reference to an entity instance.', { entity: name }, ['entity']),
    Loc: {
      description: "A source span, or 'synthetic' for nodes the compiler invents.",
      if: { type: 'string' },
      then: { const: 'synthetic' },
      else: ref('SourceSpan'),
    },
    SourceSpan: {
      description: 'A region of the Python source; 1-based lines and columns, end exclusive.',
      type: 'object',
      required: ['file', 'line', 'column', 'endLine', 'endColumn'],
      properties: {
        file: { type: 'string' },
        line: { type: 'integer', minimum: 1 },
        column: { type: 'integer', minimum: 1 },
        endLine: { type: 'integer', minimum: 1 },
        endColumn: { type: 'integer', minimum: 1 },
      },
    },
  },
};
