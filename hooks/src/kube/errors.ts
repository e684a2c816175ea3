// Classifying API failures and retrying the transient ones with backoff.

export interface ApiFailure {
  /** HTTP status, undefined for connection-level failures. */
  readonly status?: number;
  readonly message: string;
  /** Parsed metav1.Status body, when the server sent one. */
  readonly body?: StatusBody;
}

export interface StatusBody {
  readonly message?: string;
  readonly reason?: string;
  readonly details?: {
    readonly causes?: readonly { readonly reason?: string; readonly message?: string }[];
  };
}

/** Reads an error thrown by the client (ApiException has `code` and a `body` string). */
export function describeFailure(error: unknown): ApiFailure {
  if (typeof error !== 'object' || error === null)
    return { message: typeof error === 'string' ? error : JSON.stringify(error) };
  const e = error as {
    code?: unknown;
    statusCode?: unknown;
    status?: unknown;
    body?: unknown;
    message?: unknown;
  };
  const status = [e.code, e.statusCode, e.status].find((x): x is number => typeof x === 'number');
  let body: StatusBody | undefined;
  if (typeof e.body === 'string') {
    try {
      body = JSON.parse(e.body) as StatusBody;
    } catch {
      body = { message: e.body };
    }
  } else if (typeof e.body === 'object' && e.body !== null) body = e.body;
  let message =
    body?.message ?? (typeof e.message === 'string' ? e.message : JSON.stringify(error));
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (
    status === undefined &&
    cause &&
    typeof cause.message === 'string' &&
    !message.includes(cause.message)
  )
    message = `${message} (${typeof cause.code === 'string' ? `${cause.code}: ` : ''}${cause.message})`;
  return { ...(status !== undefined ? { status } : {}), message, ...(body ? { body } : {}) };
}

export function statusOf(error: unknown): number | undefined {
  return describeFailure(error).status;
}

/** 5xx, 429 and connection failures are worth retrying; other 4xx are answers. */
export function isTransient(error: unknown): boolean {
  const { status } = describeFailure(error);
  if (status === undefined) return !isAbort(error);
  return status === 429 || status >= 500;
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

export interface RetryOptions {
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const defaultRetry: RetryOptions = {
  attempts: 6,
  baseMs: 250,
  maxMs: 8_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function withRetry<T>(
  what: string,
  fn: () => Promise<T>,
  options: RetryOptions,
  shouldRetry: (error: unknown) => boolean = isTransient,
): Promise<T> {
  let attempt = 0;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      attempt++;
      if (attempt >= options.attempts || !shouldRetry(error)) throw new KubeError(what, error);
      const delay = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
      await options.sleep(delay / 2 + Math.random() * (delay / 2));
    }
  }
}

/** An API call that failed for good; says which call and why. */
export class KubeError extends Error {
  readonly status: number | undefined;
  constructor(what: string, cause: unknown) {
    const f = describeFailure(cause);
    super(`${what} failed${f.status !== undefined ? ` (HTTP ${f.status})` : ''}: ${f.message}`, {
      cause,
    });
    this.name = 'KubeError';
    this.status = f.status;
  }
}

/** Names of PodDisruptionBudgets in an eviction refusal ("The disruption budget X needs ..."). */
export function budgetsIn(body: StatusBody | undefined): string[] {
  const texts = [body?.message ?? '', ...(body?.details?.causes ?? []).map((c) => c.message ?? '')];
  const names = new Set<string>();
  for (const t of texts)
    for (const m of t.matchAll(/disruption budget ([a-z0-9]([-a-z0-9.]*[a-z0-9])?)/gi))
      if (m[1]) names.add(m[1]);
  return [...names];
}
