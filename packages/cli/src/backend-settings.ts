import type { Backend, BackendSetting } from '@stateflow/ir';
import { CliError } from './cli-error.js';
import { ExitCode } from './io.js';

/** Backend settings as `config` of `Backend.build` gets them. */
export type SettingValues = { [name: string]: string | number | boolean };

/** The `parseArgs` options of the settings that have a flag of their own. */
export function settingFlags(backend: Backend): { [flag: string]: { type: 'string' | 'boolean' } } {
  const out: { [flag: string]: { type: 'string' | 'boolean' } } = {};
  for (const setting of Object.values(backend.settings ?? {})) {
    if (setting.flag) out[setting.flag] = { type: setting.type === 'boolean' ? 'boolean' : 'string' };
  }
  return out;
}

/**
 * The help section of a backend's settings: one line per setting with its flag (or
 * `--set name=...`), type and default. Without declared settings: how `--set` passes values.
 */
export function renderSettings(backend: Backend, packageName: string): string {
  const settings = Object.entries(backend.settings ?? {});
  const title = `Settings of the ${backend.name} backend (${packageName}):\n`;
  if (settings.length === 0) {
    return `${title}  --set <key=value>  a backend setting (repeatable); ${backend.name} declares none, so values pass through as text\n`;
  }
  const rows: [string, string][] = settings.map(([name, s]) => [
    s.flag ? `--${s.flag} ${s.type === 'boolean' ? '' : `<${placeholder(s)}>`}`.trimEnd() : `--set ${name}=<${placeholder(s)}>`,
    `${s.help}${s.default === undefined ? '' : ` (default ${String(s.default)})`}`,
  ]);
  rows.push(['--set <name=value>', `any setting above by name, e.g. --set ${settings[0]![0]}=... (repeatable)`]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return title + rows.map(([left, right]) => `  ${left.padEnd(width)}${right}\n`).join('');
}

function placeholder(s: BackendSetting): string {
  if (s.placeholder) return s.placeholder;
  return s.type === 'integer' ? 'n' : s.type === 'list' ? 'a,b,...' : s.type === 'boolean' ? 'true|false' : 'value';
}

/**
 * Reads the settings from the parsed flags: each declared flag, then every
 * `--set name=value`. Checks each value against its declared type and refuses unknown
 * names, as usage errors (exit 2) naming the setting. A backend that declares no
 * settings gets the `--set` values as text.
 */
export function readSettings(
  backend: Backend,
  values: { [flag: string]: unknown },
  command: string,
  usage: string,
): SettingValues {
  const declared = backend.settings;
  const fail = (message: string): never => {
    throw new CliError(`stateflow ${command}: ${message}`, ExitCode.Usage, usage);
  };
  const out: SettingValues = {};
  const pairs: [string, string | boolean, string][] = [];
  for (const [name, s] of Object.entries(declared ?? {})) {
    const given = s.flag ? values[s.flag] : undefined;
    if (typeof given === 'string' || typeof given === 'boolean') pairs.push([name, given, `--${s.flag}`]);
  }
  for (const item of (values['set'] as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) fail(`--set needs name=value (got '${item}')`);
    pairs.push([item.slice(0, eq), item.slice(eq + 1), `--set ${item.slice(0, eq)}`]);
  }
  for (const [name, raw, where] of pairs) {
    if (!declared) {
      out[name] = String(raw);
      continue;
    }
    const setting = Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (!setting) fail(`unknown setting '${name}' for the ${backend.name} backend (settings: ${Object.keys(declared).join(', ')})`);
    out[name] = parseValue(name, setting!, raw, where, fail);
  }
  return out;
}

function parseValue(name: string, s: BackendSetting, raw: string | boolean, where: string, fail: (m: string) => never): string | number | boolean {
  if (typeof raw === 'boolean') return raw;
  switch (s.type) {
    case 'integer': {
      const min = s.min ?? 0;
      if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
        fail(`${where}: ${name} must be a whole number >= ${min} (got '${raw}')`);
      }
      return Number(raw);
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') fail(`${where}: ${name} must be true or false (got '${raw}')`);
      return raw === 'true';
    case 'list':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
        .join(',');
    case 'string':
      return raw;
  }
}
