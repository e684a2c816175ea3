// The injected logger: human-readable lines for people reading `helm` / `kubectl logs` output,
// plus one JSON line per call at debug level for machines.
export const levels = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof levels)[number];
export type Fields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /** A logger that adds `fields` to every call. */
  with(fields: Fields): Logger;
}

export interface LogSink {
  write(line: string): void;
}

export function parseLevel(value: string | undefined): Level {
  const v = (value ?? '').trim().toLowerCase();
  return levels.find((l) => l === v) ?? 'info';
}

export function createLogger(options: {
  readonly level: Level;
  readonly sink: LogSink;
  readonly now?: () => Date;
  readonly fields?: Fields;
}): Logger {
  const threshold = levels.indexOf(options.level);
  const now = options.now ?? (() => new Date());
  const base = options.fields ?? {};
  const emit = (level: Level, message: string, fields: Fields = {}): void => {
    if (levels.indexOf(level) < threshold) return;
    const at = now();
    const prefix = level === 'info' || level === 'debug' ? '' : `${level.toUpperCase()}: `;
    if (level !== 'debug')
      options.sink.write(`[${at.toISOString().slice(11, 19)}] ${prefix}${message}`);
    if (threshold === 0) {
      options.sink.write(
        JSON.stringify({ ts: at.toISOString(), level, msg: message, ...base, ...fields }, jsonSafe),
      );
    }
  };
  return {
    debug: (m, f) => {
      emit('debug', m, f);
    },
    info: (m, f) => {
      emit('info', m, f);
    },
    warn: (m, f) => {
      emit('warn', m, f);
    },
    error: (m, f) => {
      emit('error', m, f);
    },
    with: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

export const stdoutSink: LogSink = {
  write: (line) => {
    process.stdout.write(`${line}\n`);
  },
};

/** Collects lines (tests). */
export function memorySink(): LogSink & { readonly lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (line) => lines.push(line) };
}
