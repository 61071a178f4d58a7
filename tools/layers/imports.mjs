// Lists the modules a TypeScript or JavaScript file imports, with the TypeScript parser
// (syntax only, no type checking: fast, and exact because the repo compiles with
// `verbatimModuleSyntax`, so an import not marked `type` stays in the emitted JS).
import ts from 'typescript';

/**
 * @typedef {object} ImportRef
 * @property {string} specifier  the module name as written (`@stateflow/ir`, `./x.js`, `node:fs`)
 * @property {'import'|'export'|'dynamic'|'require'|'resolve'|'type-query'|'reference'} how
 * @property {boolean} typeOnly  true when nothing of it reaches the emitted JS
 * @property {number} line       1-based
 */

/** The kinds of files read, by extension; `.d.ts` files only declare types. */
export const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

function scriptKindOf(fileName) {
  if (/\.[mc]?tsx?$/.test(fileName)) return fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  return fileName.endsWith('x') ? ts.ScriptKind.JSX : ts.ScriptKind.JS;
}

/**
 * True for `import type …` only. Under `verbatimModuleSyntax`, `import { type A } from 'x'`
 * still emits `import {} from 'x'`, which loads the module, so it counts as a runtime import.
 */
function importIsTypeOnly(clause) {
  return Boolean(clause?.isTypeOnly); // no clause: `import 'x'` runs the module
}

/** `import.meta.url` or `__filename`: the location of the file itself. */
function isOwnLocation(expr) {
  if (ts.isIdentifier(expr)) return expr.text === '__filename';
  return ts.isPropertyAccessExpression(expr) && expr.name.text === 'url' && ts.isMetaProperty(expr.expression);
}

/**
 * Finds every module `fileName` refers to: static imports and re-exports, `import()`,
 * `require()`, `require.resolve()`/`createRequire(…)(…)`/`import.meta.resolve()` with a
 * literal name, `import('x').T` in types, and `/// <reference types>`.
 * @param {string} fileName
 * @param {string} text
 * @returns {ImportRef[]}
 */
export function listImports(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, scriptKindOf(fileName));
  const declarationFile = fileName.endsWith('.d.ts') || /\.d\.[mc]ts$/.test(fileName);
  const found = [];
  const add = (specifier, how, typeOnly, node) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    found.push({ specifier, how, typeOnly: typeOnly || declarationFile, line });
  };
  // Names bound to a `createRequire(…)` result, so `req('x')` and `req.resolve('x')` count.
  const requireNames = new Set(['require']);

  // Only a require made for this file resolves from this package: `createRequire(import.meta.url)`
  // (or `__filename`); one made for another path (`createRequire(cwd)`) resolves from there.
  const isOwnCreateRequire = (expr) =>
    ts.isCallExpression(expr) && ts.isIdentifier(expr.expression) && expr.expression.text === 'createRequire' &&
    expr.arguments.length === 1 && isOwnLocation(expr.arguments[0]);
  const isRequireFunction = (expr) => (ts.isIdentifier(expr) && requireNames.has(expr.text)) || isOwnCreateRequire(expr);

  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, 'import', importIsTypeOnly(node.importClause), node);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, 'export', node.isTypeOnly, node); // same rule as imports
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr)) add(expr.text, 'require', node.isTypeOnly, node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, 'type-query', true, node);
    } else if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && isOwnCreateRequire(node.initializer)) {
      requireNames.add(node.name.text);
    } else if (ts.isCallExpression(node)) {
      const [first] = node.arguments;
      const literal = first && ts.isStringLiteralLike(first) ? first.text : undefined;
      const callee = node.expression;
      if (literal !== undefined) {
        if (callee.kind === ts.SyntaxKind.ImportKeyword) add(literal, 'dynamic', false, node);
        else if (isRequireFunction(callee)) add(literal, 'require', false, node);
        else if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'resolve' &&
          (isRequireFunction(callee.expression) || ts.isMetaProperty(callee.expression))) {
          add(literal, 'resolve', false, node);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const ref of source.typeReferenceDirectives) {
    found.push({ specifier: ref.fileName, how: 'reference', typeOnly: true, line: source.getLineAndCharacterOfPosition(ref.pos).line + 1 });
  }
  return found;
}
