// The two places the sfptpd exporter reads sfptpd from: its OpenMetrics endpoint on a Unix socket
// (GET /peek/metrics, which leaves sfptpd's real-time buffer for other readers), and its JSON-lines
// stats file, followed like `tail -F` and truncated once read when it grows past a limit.
import { request } from 'node:http';
import { open, stat } from 'node:fs/promises';

export const peekMetricsPath = '/peek/metrics';

export type SourceError =
  | { readonly reason: 'missing'; readonly message: string }
  | { readonly reason: 'unreachable'; readonly message: string }
  | { readonly reason: 'status'; readonly message: string }
  | { readonly reason: 'read'; readonly message: string };

export type FetchResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly error: SourceError };

/** Whether a Unix socket exists at this path. */
export async function socketExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isSocket();
  } catch {
    return false;
  }
}

const maxResponseBytes = 8 << 20;

/**
 * GET of `path` over the Unix socket. One connection per request, closed after it: sfptpd serves
 * at most two at a time, so an idle kept-alive one would hold a slot.
 */
export function fetchOverSocket(
  socketPath: string,
  path: string,
  timeoutMs: number,
): Promise<FetchResult> {
  return new Promise((resolve) => {
    const fail = (reason: SourceError['reason'], message: string): void => {
      resolve({ ok: false, error: { reason, message } as SourceError });
    };
    const req = request(
      { socketPath, path, agent: false, headers: { Connection: 'close' }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes)
            req.destroy(new Error(`response over ${maxResponseBytes} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve({ ok: true, text });
          else fail('status', `${path} answered HTTP ${res.statusCode ?? '?'}`);
        });
        res.on('error', (e) => {
          fail('unreachable', e.message);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => {
      fail('unreachable', `${socketPath}: ${e.message}`);
    });
    req.end();
  });
}

export type TailResult =
  | { readonly ok: true; readonly lines: readonly string[]; readonly truncated: boolean }
  | { readonly ok: false; readonly error: SourceError };

/**
 * Follows a file that a writer appends to (sfptpd opens its json_stats file with O_APPEND, so
 * after a truncation its next line lands at the new end, 0). Each read returns the complete lines
 * added since the last one; a file that shrank or was replaced is read from its start. When all
 * of it has been read and it is larger than `maxBytes`, it is truncated: a line written between
 * the read and the truncation is lost, and the instance's next sample replaces it.
 */
export class JsonLinesTail {
  private offset = 0;
  private inode: number | undefined;

  readonly path: string;
  private readonly maxBytes: number;

  constructor(path: string, maxBytes: number) {
    this.path = path;
    this.maxBytes = maxBytes;
  }

  async read(): Promise<TailResult> {
    let handle;
    try {
      handle = await open(this.path, 'r+');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return err.code === 'ENOENT'
        ? { ok: false, error: { reason: 'missing', message: `${this.path} does not exist` } }
        : { ok: false, error: { reason: 'read', message: err.message } };
    }
    try {
      return await this.readFrom(handle);
    } catch (e) {
      return { ok: false, error: { reason: 'read', message: (e as Error).message } };
    } finally {
      await handle.close();
    }
  }

  private async readFrom(handle: Awaited<ReturnType<typeof open>>): Promise<TailResult> {
    const st = await handle.stat();
    if (st.ino !== this.inode || st.size < this.offset) this.offset = 0;
    this.inode = st.ino;
    // Far behind (a file that grew unread): only its last maxBytes, from the first whole line.
    const skip = st.size - this.offset > this.maxBytes;
    if (skip) this.offset = st.size - this.maxBytes;
    const length = st.size - this.offset;
    const buffer = Buffer.alloc(Math.max(0, length));
    const { bytesRead } = await handle.read(buffer, 0, length, this.offset);
    const chunk = buffer.subarray(0, bytesRead);
    const start = skip ? chunk.indexOf(0x0a) + 1 : 0;
    const end = chunk.lastIndexOf(0x0a) + 1;
    this.offset += Math.max(end, start);
    const lines = chunk
      .subarray(start, Math.max(end, start))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    let truncated = false;
    if (this.offset > this.maxBytes && (await handle.stat()).size === this.offset) {
      await handle.truncate(0);
      this.offset = 0;
      truncated = true;
    }
    return { ok: true, lines, truncated };
  }
}
