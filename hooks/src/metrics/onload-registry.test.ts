// The Onload metric families as a scraper sees them: names, types, labels, values, and the
// cardinality limit (stacks beyond maxStacks summed into stack_id="_overflow").
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { find, parseExposition, value, type Exposition } from '../testing/exposition.ts';
import { familyFor, overflowStackId, socketsFamily } from './onload-families.ts';
import {
  exporterFamilies,
  failureReasons,
  OnloadMetrics,
  type RunHealth,
} from './onload-registry.ts';
import { parseOrmJson, parseStacksProc, type OrmSnapshot } from './orm-json.ts';

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

function snapshot(name: string): OrmSnapshot {
  const result = parseOrmJson(fixture(name));
  if (!result.ok) throw new Error(result.error);
  return result.snapshot;
}

const pids = parseStacksProc(fixture('proc-stacks.txt'));
const healthy: RunHealth = {
  up: true,
  lastRunAt: 1000,
  lastSuccessAt: 1000,
  durationSeconds: 0.25,
  runs: 3,
  failures: { exit_code: 1, timeout: 0, spawn: 0, too_large: 0, malformed: 0, stale: 0 },
};

async function scrape(metrics: OnloadMetrics): Promise<Exposition> {
  return parseExposition(await metrics.registry.metrics());
}

describe('familyFor', () => {
  it.each([
    ['stats', 'rx_evs', 'onload_stack_rx_evs_total', 'counter'],
    ['stats', 'spin_tcp_recv', 'onload_stack_spin_tcp_recv_total', 'counter'],
    ['stats', 'lowest_free_pkts', 'onload_stack_lowest_free_pkts', 'gauge'],
    ['stats', 'table_max_hops', 'onload_stack_table_max_hops', 'gauge'],
    ['more_stats', 'tcp_sendq_bytes', 'onload_stack_tcp_sendq_bytes', 'gauge'],
    ['more_stats', 'udp_tot_recv_drops_ul', 'onload_stack_udp_tot_recv_drops_ul', 'gauge'],
    ['more_stats', 'TCP_ESTABLISHED', socketsFamily, 'gauge'],
    ['tcp_stats', 'tcp_active_opens', 'onload_tcp_active_opens_total', 'counter'],
    ['tcp_stats', 'tcp_curr_estab', 'onload_tcp_curr_estab', 'gauge'],
    ['tcp_ext_stats', 'listen_drops', 'onload_tcp_ext_listen_drops_total', 'counter'],
    ['tcp_ext_stats', 'tcp_loss', 'onload_tcp_ext_tcp_loss_total', 'counter'],
  ] as const)('%s.%s is %s (%s)', (section, field, name, type) => {
    expect(familyFor(section, field)).toMatchObject({ name, type });
  });

  it('labels the TCP state counts of more_stats by state', () => {
    expect(familyFor('more_stats', 'BAD_STATE').extra).toEqual({
      label: 'state',
      value: 'BAD_STATE',
    });
  });
});

describe('OnloadMetrics', () => {
  it('exports each stack labelled by id, name, creating pid and node, with Onload types', async () => {
    const m = new OnloadMetrics({ nodeName: 'worker-1', maxStacks: 16 });
    m.showHealth(healthy);
    m.showStacks(snapshot('orm-json-3-stacks.stdout'), pids, true);
    const e = await scrape(m);
    expect(e.types.get('onload_stack_rx_evs_total')).toBe('counter');
    expect(e.types.get('onload_stack_lowest_free_pkts')).toBe('gauge');
    expect(e.types.get(socketsFamily)).toBe('gauge');
    expect(e.types.get('onload_tcp_curr_estab')).toBe('gauge');
    expect(e.types.get('onload_tcp_ext_listen_drops_total')).toBe('counter');
    expect(find(e, 'onload_stack_rx_evs_total').map((s) => s.labels)).toEqual([
      { stack_id: '2', stack_name: 'trader-a', pid: '4242', node: 'worker-1' },
      { stack_id: '5', stack_name: '', pid: '', node: 'worker-1' },
      { stack_id: '7', stack_name: 'trader-b', pid: '31337', node: 'worker-1' },
    ]);
    expect(value(e, 'onload_stack_rx_evs_total', { stack_id: '5' })).toBe(6009);
    expect(value(e, 'onload_stack_spin_tcp_recv_total', { stack_id: '2' })).toBe(2 ** 40 + 3000);
    expect(value(e, socketsFamily, { stack_id: '7', state: 'TCP_ESTABLISHED' })).toBe(10);
    expect(find(e, socketsFamily, { stack_id: '7' })).toHaveLength(16);
    expect(value(e, 'onload_stack_creation_time_seconds', { stack_id: '2' })).toBe(1767225720);
    expect(value(e, 'onload_stack_state_n_ep_bufs', { stack_id: '7' })).toBe(39);
    expect(value(e, exporterFamilies.stacks)).toBe(3);
    expect(value(e, exporterFamilies.inOverflow)).toBe(0);
    expect(value(e, exporterFamilies.userland, { version: '8.1.2.26' })).toBe(1);
    expect(value(e, exporterFamilies.up)).toBe(1);
    expect(value(e, exporterFamilies.maxStacks)).toBe(16);
    expect(value(e, exporterFamilies.runs)).toBe(3);
    expect(e.types.get(exporterFamilies.failures)).toBe('counter');
    for (const reason of failureReasons)
      expect(value(e, exporterFamilies.failures, { reason })).toBe(reason === 'exit_code' ? 1 : 0);
  });

  it('sums the stacks beyond maxStacks into one _overflow series and counts them', async () => {
    const m = new OnloadMetrics({ nodeName: 'worker-1', maxStacks: 1 });
    m.showHealth(healthy);
    const snap = snapshot('orm-json-3-stacks.stdout');
    m.showStacks(snap, pids, true);
    let e = await scrape(m);
    expect(find(e, 'onload_stack_rx_evs_total').map((s) => s.labels.stack_id)).toEqual([
      '2',
      overflowStackId,
    ]);
    expect(find(e, 'onload_stack_rx_evs_total', { stack_id: overflowStackId })[0]?.labels).toEqual({
      stack_id: overflowStackId,
      stack_name: overflowStackId,
      pid: '',
      node: 'worker-1',
    });
    // stacks 5 and 7
    expect(value(e, 'onload_stack_rx_evs_total', { stack_id: overflowStackId })).toBe(6009 + 8009);
    expect(value(e, socketsFamily, { stack_id: overflowStackId, state: 'TCP_ESTABLISHED' })).toBe(
      8 + 10,
    );
    expect(find(e, 'onload_stack_creation_time_seconds', { stack_id: overflowStackId })).toEqual(
      [],
    );
    expect(value(e, exporterFamilies.inOverflow)).toBe(2);
    expect(value(e, exporterFamilies.overflowed)).toBe(2);
    // the same run shown again counts nothing more; a new run does
    m.showStacks(snap, pids, false);
    expect(value(await scrape(m), exporterFamilies.overflowed)).toBe(2);
    m.showStacks(snap, pids, true);
    e = await scrape(m);
    expect(value(e, exporterFamilies.overflowed)).toBe(4);
  });

  it('with maxStacks 0 exports only the node total', async () => {
    const m = new OnloadMetrics({ nodeName: 'n', maxStacks: 0 });
    m.showStacks(snapshot('orm-json-3-stacks.stdout'), pids, true);
    const e = await scrape(m);
    expect(find(e, 'onload_stack_rx_evs_total').map((s) => s.labels.stack_id)).toEqual([
      overflowStackId,
    ]);
    expect(value(e, 'onload_stack_rx_evs_total')).toBe(3009 + 6009 + 8009);
  });

  it('drops stacks that went away', async () => {
    const m = new OnloadMetrics({ nodeName: 'n', maxStacks: 16 });
    m.showStacks(snapshot('orm-json-3-stacks.stdout'), pids, true);
    m.showStacks(snapshot('orm-json-1-stack.stdout'), new Map(), true);
    const e = await scrape(m);
    expect(find(e, 'onload_stack_rx_evs_total').map((s) => s.labels.stack_id)).toEqual(['4']);
    expect(value(e, exporterFamilies.stacks)).toBe(1);
  });

  it('serves no per-stack value, stack count or version once a run is not good', async () => {
    const m = new OnloadMetrics({ nodeName: 'n', maxStacks: 16 });
    m.showHealth(healthy);
    m.showStacks(snapshot('orm-json-3-stacks.stdout'), pids, true);
    m.showHealth({ ...healthy, up: false });
    const e = await scrape(m);
    expect(value(e, exporterFamilies.up)).toBe(0);
    expect(find(e, 'onload_stack_rx_evs_total')).toEqual([]);
    expect(find(e, socketsFamily)).toEqual([]);
    expect(find(e, exporterFamilies.stacks)).toEqual([]);
    expect(find(e, exporterFamilies.userland)).toEqual([]);
    // the family itself is still declared
    expect(e.types.get('onload_stack_rx_evs_total')).toBe('counter');
  });

  it('exports an empty node: zero stacks and no per-stack series', async () => {
    const m = new OnloadMetrics({ nodeName: 'n', maxStacks: 16 });
    m.showHealth(healthy);
    m.showStacks(snapshot('orm-json-0-stacks.stdout'), new Map(), true);
    const e = await scrape(m);
    expect(value(e, exporterFamilies.stacks)).toBe(0);
    expect(e.samples.filter((s) => s.labels.stack_id !== undefined)).toEqual([]);
  });

  it('leaves out a negative count and a field whose name another field took, saying so', async () => {
    const m = new OnloadMetrics({ nodeName: 'n', maxStacks: 16 });
    const problems = m.showStacks(
      {
        onloadVersion: '8',
        warnings: [],
        stacks: [
          {
            id: 1,
            name: '',
            prettyName: '1',
            state: new Map(),
            sections: {
              stats: new Map([['rx_evs', -1]]),
              // both become onload_stack_x_y
              more_stats: new Map([
                ['x_y', 1],
                ['x-y', 2],
              ]),
            },
          },
        ],
      },
      new Map(),
      true,
    );
    expect(problems).toEqual([
      'stats.rx_evs: negative count -1 for stack 1; left out',
      'more_stats.x-y: metric name onload_stack_x_y is taken by another field; not exported',
    ]);
    const e = await scrape(m);
    expect(find(e, 'onload_stack_rx_evs_total')).toEqual([]);
    expect(value(e, 'onload_stack_x_y')).toBe(1);
  });
});
