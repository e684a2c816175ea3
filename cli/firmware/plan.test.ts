import { describe, expect, it } from '@jest/globals';
import {
  consumer,
  metricsPod,
  nodeFacts,
  ns,
  release,
  services,
  servicePod,
  t0,
} from '../../hooks/src/testing/fixtures.ts';
import type { NodeOptions } from '../../hooks/src/testing/fixtures.ts';
import type { PodView } from '../../hooks/src/kube/port.ts';
import { evictionRecord, nextStep, refusal, startRun, type NodeRun, type Step } from './plan.ts';

const limits = { drainSeconds: 300, reloadSeconds: 600, resumeSeconds: 300 };
const serving: NodeOptions = { version: '1.0.0', loaded: '1.0.0' };

function step(
  o: NodeOptions,
  pods: readonly PodView[],
  run: Partial<NodeRun> = {},
  now = t0 + 1000,
): Step {
  const facts = nodeFacts('n1', o);
  return nextStep({
    now,
    facts,
    pods,
    release: { namespace: ns, release },
    run: { ...startRun(nodeFacts('n1', serving), t0, true), ...run },
    limits,
  });
}

describe('firmware plan: drain', () => {
  it('pauses the node first', () => {
    expect(step(serving, [...services('n1'), consumer('app', 'n1')])).toEqual({
      kind: 'patch',
      change: { paused: true },
      say: expect.stringContaining('pausing the node') as unknown as string,
    });
  });

  it('evicts the consumers while the device plugin, control plane and metrics pods leave', () => {
    const s = step({ ...serving, paused: true }, [
      ...services('n1'),
      metricsPod('n1'),
      consumer('app', 'n1'),
    ]);
    expect(s).toMatchObject({ kind: 'evict', pods: [{ namespace: 'apps', name: 'app' }] });
    expect((s as { say: string }).say).toContain(`${ns}/onload-metrics-n1`);
  });

  it('waits, without evicting again, while a budget refusal is younger than the retry interval', () => {
    const blocked = evictionRecord({ kind: 'blocked', budgets: ['apps/pdb'], message: 'no' }, t0);
    const app = consumer('app', 'n1');
    const evictions = new Map([[app.uid, blocked]]);
    expect(step({ ...serving, paused: true }, [app], { evictions }, t0 + 1000).kind).toBe('wait');
    expect(step({ ...serving, paused: true }, [app], { evictions }, t0 + 5000).kind).toBe('evict');
  });

  it('goes on to the Job once no consumer and none of the release pods is left', () => {
    expect(step({ ...serving, paused: true }, [])).toEqual({ kind: 'advance', phase: 'flash' });
  });

  it('fails after the drain timeout, names the budget, and unpauses (nothing written)', () => {
    const app = consumer('app', 'n1');
    const evictions = new Map([
      [app.uid, evictionRecord({ kind: 'blocked', budgets: ['apps/pdb'], message: '' }, t0)],
    ]);
    const s = step({ ...serving, paused: true }, [app], { evictions }, t0 + 300_000);
    expect(s).toMatchObject({ kind: 'fail', unpause: true });
    expect((s as { message: string }).message).toContain(
      'apps/app (blocked by PodDisruptionBudget apps/pdb)',
    );
  });
});

describe('firmware plan: reload in dependency order, then resume', () => {
  const reload = (stage: NodeRun['stage']): Partial<NodeRun> => ({ phase: 'reload', stage });

  it('onload out, then waits for KMM to unload it', () => {
    expect(step({ ...serving, paused: true }, [], reload('onload-out'))).toMatchObject({
      kind: 'patch',
      change: { versions: { onload: null } },
    });
    expect(step({ ...serving, onload: null, paused: true }, [], reload('onload-out')).kind).toBe(
      'wait',
    );
    expect(
      step(
        { ...serving, onload: null, onloadLoaded: null, paused: true },
        [],
        reload('onload-out'),
      ),
    ).toEqual({ kind: 'advance', phase: 'reload', stage: 'sfc-out' });
  });

  it('sfc out and back in before onload comes back', () => {
    const out = { onload: null, onloadLoaded: null, paused: true, version: '1.0.0' } as const;
    expect(step({ ...out, loaded: '1.0.0' }, [], reload('sfc-out'))).toMatchObject({
      change: { versions: { sfc: null } },
    });
    expect(step({ ...out, sfc: null, sfcLoaded: null }, [], reload('sfc-out'))).toEqual({
      kind: 'advance',
      phase: 'reload',
      stage: 'sfc-in',
    });
    expect(step({ ...out, sfc: null, sfcLoaded: null }, [], reload('sfc-in'))).toMatchObject({
      change: { versions: { sfc: '1.0.0' } },
    });
    expect(step({ ...out, sfcLoaded: null }, [], reload('sfc-in')).kind).toBe('wait');
    expect(step({ ...out, sfcLoaded: '1.0.0' }, [], reload('sfc-in'))).toEqual({
      kind: 'advance',
      phase: 'reload',
      stage: 'onload-in',
    });
    expect(step({ ...out, sfcLoaded: '1.0.0' }, [], reload('onload-in'))).toMatchObject({
      change: { versions: { onload: '1.0.0' } },
    });
    expect(step({ ...serving, paused: true }, [], reload('onload-in'))).toEqual({
      kind: 'advance',
      phase: 'resume',
    });
  });

  it('skips sfc when the node had no sfc label', () => {
    const run = { ...startRun(nodeFacts('n1', { ...serving, sfc: null }), t0, true) };
    expect(run.versions).toEqual({ onload: '1.0.0' });
    expect(
      step({ onloadLoaded: null, onload: null, paused: true }, [], { ...run, phase: 'reload' }),
    ).toEqual({ kind: 'advance', phase: 'reload', stage: 'onload-in' });
  });

  it('keeps the node paused when KMM does not reload in time', () => {
    const s = step(
      { ...serving, onload: null, paused: true },
      [],
      { ...reload('onload-out'), since: t0 },
      t0 + 600_000,
    );
    expect(s).toMatchObject({ kind: 'fail', unpause: false });
  });

  it('removes the pause, then is done once the device plugin is Ready', () => {
    const resume = { phase: 'resume' } as const;
    expect(step({ ...serving, paused: true }, [], resume)).toMatchObject({
      change: { paused: false },
    });
    expect(step(serving, [servicePod('n1', 'device-plugin', { ready: false })], resume).kind).toBe(
      'wait',
    );
    expect(step(serving, services('n1'), resume)).toEqual({ kind: 'advance', phase: 'done' });
  });
});

describe('firmware plan: refusal', () => {
  it('leaves nodes in a rollout, paused ones and unlabelled ones alone, naming why', () => {
    expect(refusal(nodeFacts('n1', serving))).toBeUndefined();
    expect(refusal(nodeFacts('n1', { ...serving, state: 'upgrade-done' }))).toBeUndefined();
    expect(refusal(nodeFacts('n1', { ...serving, state: 'evicting' }))).toContain(
      'in a rollout (state evicting',
    );
    expect(refusal(nodeFacts('n1', { ...serving, paused: true }))).toContain('already paused');
    expect(refusal(nodeFacts('n1', { sfc: '1.0.0' }))).toContain('no onload version label');
  });
});
