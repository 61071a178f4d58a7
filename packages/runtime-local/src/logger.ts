/** Severity of a log record. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Log levels in increasing severity. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Structured fields of a log record. */
export type LogFields = { [name: string]: string | number | boolean | null | undefined };

/** Receives notable runtime events (recovery, worker restarts, commit failures) and access logs. */
export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** `json`: one JSON object per line; `pretty`: `LEVEL msg key=value ...`. @default 'json' */
  format?: 'json' | 'pretty';
  /** Least severe level written. @default 'info' */
  level?: LogLevel;
  /** Where lines go. @default process.stderr */
  write?: (line: string) => void;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
}

/**
 * A logger writing one line per record: JSON (`{"time","level","msg",...fields}`) or
 * a human-readable form.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'json';
  const min = LOG_LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  return {
    log(level, msg, fields = {}) {
      if (LOG_LEVELS.indexOf(level) < min) return;
      if (format === 'json') {
        write(`${JSON.stringify({ time: now().toISOString(), level, msg, ...fields })}\n`);
        return;
      }
      const rest = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`)
        .join(' ');
      write(`${level === 'info' ? '' : `${level.toUpperCase()} `}${msg}${rest ? ` ${rest}` : ''}\n`);
    },
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = { log() {} };
