import { describe, expect, it } from '@jest/globals';
import { createLogger, memorySink } from '../log/logger.ts';
import { Progress } from './progress.ts';

describe('progress lines', () => {
  it('reports step changes and a summary with elapsed time and ETA', () => {
    const sink = memorySink();
    let now = 0;
    const p = new Progress({
      log: createLogger({ level: 'info', sink, now: () => new Date(now) }),
      now: () => now,
      title: 'onload v1 → v2',
      parallel: 1,
    });
    const r = (name: string, category: 'done' | 'active' | 'pending', step: string) => ({
      name,
      category,
      step,
      canary: false,
    });
    p.report({
      reports: [r('a', 'active', 'evicting 1 pod(s)'), r('b', 'pending', 'waiting for its turn')],
    });
    now = 60_000;
    const summary = p.report({
      reports: [r('a', 'done', 'running onload v2'), r('b', 'active', 'starting')],
    });
    expect(sink.lines.some((l) => l.includes('a: active — evicting 1 pod(s)'))).toBe(true);
    expect(summary).toBe(
      '[onload v1 → v2] 1/2 done · 1 upgrading (b: starting) · elapsed 1m00s · ETA ~1m00s',
    );
  });

  it('adds JSON lines only at debug level', () => {
    const info = memorySink();
    createLogger({ level: 'info', sink: info }).info('hello', { node: 'a' });
    expect(info.lines).toHaveLength(1);
    const debug = memorySink();
    createLogger({ level: 'debug', sink: debug })
      .with({ entry: 'post' })
      .info('hello', { node: 'a' });
    expect(debug.lines).toHaveLength(2);
    expect(JSON.parse(debug.lines[1] ?? '{}')).toEqual(
      expect.objectContaining({ level: 'info', msg: 'hello', entry: 'post', node: 'a' }),
    );
  });
});
