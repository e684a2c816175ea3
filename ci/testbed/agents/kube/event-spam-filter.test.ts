import { describe, expect, it } from '@jest/globals';
import { eventSpamBurst, eventSpamFilter, eventSpamRefillMs } from './event-spam-filter.ts';

describe('eventSpamFilter (client-go event recorder budget)', () => {
  it('lets a burst of 25 through per source and object, then drops', () => {
    const filter = eventSpamFilter();
    const allowed = Array.from({ length: 30 }, () => filter.allow('kmm', 'Node/worker-01', 0));
    expect(allowed.filter(Boolean)).toHaveLength(eventSpamBurst);
    expect(allowed.slice(eventSpamBurst).every((a) => !a)).toBe(true);
  });

  it('keeps a separate budget for each involved object and each source', () => {
    const filter = eventSpamFilter();
    for (let i = 0; i < eventSpamBurst; i++) filter.allow('kmm', 'Node/worker-01', 0);
    expect(filter.allow('kmm', 'Node/worker-01', 0)).toBe(false);
    expect(filter.allow('kmm', 'Node/worker-02', 0)).toBe(true);
    expect(filter.allow('kubelet', 'Node/worker-01', 0)).toBe(true);
  });

  it('refills one event per 300 s, never above the burst', () => {
    const filter = eventSpamFilter();
    for (let i = 0; i < eventSpamBurst; i++) filter.allow('kmm', 'n', 0);
    expect(filter.allow('kmm', 'n', eventSpamRefillMs - 1)).toBe(false);
    expect(filter.allow('kmm', 'n', eventSpamRefillMs)).toBe(true);
    expect(filter.allow('kmm', 'n', eventSpamRefillMs + 1)).toBe(false);

    const idle = eventSpamFilter();
    idle.allow('kmm', 'n', 0);
    const later = 100 * eventSpamRefillMs;
    const afterIdle = Array.from({ length: 30 }, () => idle.allow('kmm', 'n', later));
    expect(afterIdle.filter(Boolean)).toHaveLength(eventSpamBurst);
  });
});
