// The stand-in's model of the init step against the chart's real script: for the same userland,
// driver and onload.version, the rendered script run with sh prints the model's lines and passes
// or waits as the model does.
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  fakeNode,
  libonload,
  librarySays,
  renderedWait,
  type FakeNode,
  type RenderedWait,
} from '../../../../charts/onload/tests/lib/driver-wait.ts';
import type { RunningScript } from '../../../../charts/onload/tests/lib/shell.ts';
import { initStep, words } from './init-step.ts';

/** The render's namespace is onload-system. */
const versionReadyLabel = 'kmm.node.kubernetes.io/onload-system.onload.version.ready';

interface Case {
  readonly userland: string | null;
  readonly driver?: string;
}

const cases: readonly (readonly [string, Case])[] = [
  ['no driver loaded', { userland: '8.1.2.26' }],
  ['the old driver loaded', { userland: '8.1.2.26', driver: '8.1.1.17' }],
  ['the same release, padded', { userland: '8.1.2.26 ', driver: '8.1.2.26 ' }],
  [
    'a git build named 8.1.2.26',
    { userland: '0123abcd 20260201 master', driver: '0123abcd 20260201  master ' },
  ],
  ['a stale userImage', { userland: '8.1.1.17', driver: '8.1.2.26' }],
  ['an unreadable userland, driver of onload.version', { userland: null, driver: '8.1.2.26' }],
  ['an unreadable userland, another driver', { userland: null, driver: '8.1.1.17' }],
];

describe('the kubelet stand-in init step model', () => {
  let wait: RenderedWait;
  let fake: FakeNode | undefined;
  let running: RunningScript | undefined;

  beforeAll(async () => {
    wait = await renderedWait('onload-device-plugin');
  });
  afterEach(async () => {
    await running?.stop();
    await fake?.remove();
    running = undefined;
    fake = undefined;
  });

  it('strips and squeezes whitespace as the script does', () => {
    expect(words(' a \t b\n')).toBe('a b');
  });

  it.each(cases)('prints and decides what the script does with %s', async (_, c) => {
    const node = await fakeNode();
    fake = node;
    if (c.userland !== null) await node.program(libonload, librarySays(c.userland));
    if (c.driver !== undefined) await node.loadDriver(c.driver);
    const model = initStep({
      label: wait.label,
      userland: c.userland,
      driver: c.driver,
      versionReadyLabel,
    });
    const r = node.run(wait);
    running = r;
    const printed = [node.shown(await r.nextLine()), node.shown(await r.nextLine())];
    expect(printed).toEqual([model.intro, model.line]);
    expect(await r.exitWithin(model.open ? 3000 : 300)).toBe(model.open ? 0 : 'running');
  });
});
