// Progress lines for long test-bed work (tool builds, cluster start), written to stderr so
// that command output on stdout (a kubeconfig path, JSON) stays machine-readable.

export type Progress = (message: string) => void;

export function progressTo(
  prefix: string,
  stream: NodeJS.WritableStream = process.stderr,
): Progress {
  return (message) => {
    stream.write(`[${prefix}] ${message}\n`);
  };
}

export function formatSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Calls `tick` every `everyMs` until the returned stop function is called. */
export function heartbeat(everyMs: number, tick: (elapsedMs: number) => void): () => void {
  const started = Date.now();
  const timer = setInterval(() => {
    tick(Date.now() - started);
  }, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}
