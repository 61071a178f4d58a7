/** Words that cannot name a TypeScript parameter (strict-mode reserved words and a few more). */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await arguments eval undefined'
  ).split(' '),
);

/** A parameter name safe in TypeScript: the Python name, or with `_` appended when reserved. */
export function safeParamName(name: string): string {
  return RESERVED.has(name) ? `${name}_` : name;
}

/** `shopping_cart`, `shopping-cart` → `ShoppingCart`. */
export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** `ShoppingCart` → `shoppingCart`; `URL` → `url`. */
export function lowerCamel(name: string): string {
  if (/^[A-Z0-9]+$/.test(name)) return name.toLowerCase();
  return name[0]!.toLowerCase() + name.slice(1);
}

/** File stems too generic to name a client: the folder name is used instead. */
const GENERIC_STEMS = new Set(['app', 'main', '__init__', 'entities', 'program', 'index']);

/**
 * The client name for a program file: `examples/shop/app.py` → `Shop` (a generic stem
 * such as `app` or `main` takes its folder's name), `bank.py` → `Bank`,
 * `shop.ir.json` → `Shop`. Falls back to `App`.
 */
export function clientNameOf(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  const file = parts.pop() ?? '';
  const stem = file.replace(/\.ir\.json$|\.json$|\.py$/, '');
  const folder = parts.pop();
  const base = GENERIC_STEMS.has(stem) && folder && folder !== '.' && folder !== '..' ? folder : stem;
  const name = pascalCase(base);
  return name === '' || /^[0-9]/.test(name) ? 'App' : name;
}
