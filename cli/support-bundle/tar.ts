// A minimal POSIX ustar writer (regular files only), gzip-compressed as it streams. Names longer
// than 100 bytes use the ustar prefix field, or a pax extended header when no split fits.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';

const block = 512;
/** The largest size an 11-digit octal field holds. */
const maxSize = 0o77777777777;

export interface TarFile {
  readonly path: string;
  readonly content: Buffer;
  /** Seconds since the epoch. */
  readonly mtime: number;
}

function field(header: Buffer, offset: number, length: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > length) throw new Error(`tar header field too long: ${text}`);
  bytes.copy(header, offset);
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

/** [prefix, name] when the path fits ustar's fields, else undefined. */
export function splitName(path: string): readonly [string, string] | undefined {
  const bytes = Buffer.byteLength(path);
  if (bytes <= 100) return ['', path];
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && name !== '' && Buffer.byteLength(name) <= 100)
      return [prefix, name];
  }
  return undefined;
}

function ustarHeader(name: string, prefix: string, size: number, mtime: number, type: string) {
  const header = Buffer.alloc(block);
  field(header, 0, 100, name);
  field(header, 100, 8, octal(0o644, 8));
  field(header, 108, 8, octal(0, 8));
  field(header, 116, 8, octal(0, 8));
  field(header, 124, 12, octal(size, 12));
  field(header, 136, 12, octal(mtime, 12));
  field(header, 148, 8, '        ');
  field(header, 156, 1, type);
  field(header, 257, 6, 'ustar\0');
  field(header, 263, 2, '00');
  field(header, 345, 155, prefix);
  let sum = 0;
  for (const byte of header) sum += byte;
  field(header, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

/** A pax record `<length> path=<path>\n`, whose length counts its own digits. */
export function paxRecord(key: string, value: string): Buffer {
  const rest = Buffer.byteLength(` ${key}=${value}\n`);
  let digits = String(rest).length;
  while (String(rest + digits).length !== digits) digits++;
  return Buffer.from(`${rest + digits} ${key}=${value}\n`, 'utf8');
}

function padding(size: number): Buffer {
  return Buffer.alloc((block - (size % block)) % block);
}

/** The blocks of one file: header(s), content, padding. */
export function tarBlocks(file: TarFile): Buffer[] {
  const size = file.content.length;
  if (size > maxSize) throw new Error(`${file.path}: ${size} bytes is too large for ustar`);
  const mtime = Math.max(0, Math.floor(file.mtime));
  const split = splitName(file.path);
  const blocks: Buffer[] = [];
  let name: string;
  let prefix: string;
  if (split) [prefix, name] = split;
  else {
    const pax = paxRecord('path', file.path);
    blocks.push(ustarHeader('PaxHeader', '', pax.length, mtime, 'x'), pax, padding(pax.length));
    prefix = '';
    name = Buffer.from(file.path).subarray(-100).toString('latin1');
  }
  blocks.push(ustarHeader(name, prefix, size, mtime, '0'), file.content, padding(size));
  return blocks;
}

/** The end of an archive: two zero blocks. */
export const tarEnd = Buffer.alloc(2 * block);

/** Streams a .tar.gz to a file; `close` ends the archive and waits until it is on disk. */
export class TarGzWriter {
  private readonly gzip: Gzip;
  private readonly done: Promise<void>;
  private failure: Error | undefined;

  constructor(file: string) {
    this.gzip = createGzip();
    this.done = pipeline(this.gzip, createWriteStream(file));
    this.done.catch((e: unknown) => {
      this.failure = e instanceof Error ? e : new Error(String(e));
    });
  }

  async add(file: TarFile): Promise<void> {
    for (const chunk of tarBlocks(file)) await this.write(chunk);
  }

  async close(): Promise<void> {
    await this.write(tarEnd);
    this.gzip.end();
    await this.done;
  }

  /** Stops writing after a failure (the file is left incomplete). */
  abort(): void {
    this.gzip.destroy();
  }

  private async write(chunk: Buffer): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (chunk.length === 0) return;
    if (!this.gzip.write(chunk)) await Promise.race([once(this.gzip, 'drain'), this.done]);
  }
}
