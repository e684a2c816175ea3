// One JSON line per event on stdout (the supervisor writes it to <state>/logs/agents.log).
export type Fields = Readonly<Record<string, unknown>>;

export interface Logger {
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
}

export function jsonLogger(component: string): Logger {
  const write = (level: string, message: string, fields: Fields = {}): void => {
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, component, message, ...fields })}\n`,
    );
  };
  return {
    info: (message, fields) => {
      write('info', message, fields);
    },
    warn: (message, fields) => {
      write('warn', message, fields);
    },
  };
}

/** An error in one line; API errors as their HTTP status and the server's message. */
export function errorText(error: unknown): string {
  if (error instanceof Error && 'code' in error && 'body' in error) {
    const { code, body } = error as { code: unknown; body: unknown };
    let message = typeof body === 'string' ? body : JSON.stringify(body);
    try {
      message = (JSON.parse(message) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the body as it is
    }
    return `HTTP ${String(code)}: ${message}`;
  }
  return error instanceof Error ? error.message : String(error);
}
