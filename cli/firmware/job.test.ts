import { describe, expect, it } from '@jest/globals';
import { settingsData } from '../debug/fixtures.ts';
import { debugSettingsFromConfigMap } from '../debug/index.ts';
import { firmwareJob, firmwareJobName } from './job.ts';

const data = settingsData;

describe('firmware Job', () => {
  const commands = [['sfupdate', '--write', '--yes']];

  it('runs once on the node, privileged on the host network, bounded, never retried', () => {
    const job = firmwareJob({
      settings: debugSettingsFromConfigMap('onload', data),
      node: 'worker-3',
      commands,
      suffix: 'abcde',
    });
    expect(job.metadata?.name).toBe('onload-firmware-worker-3-abcde');
    expect(job.metadata?.labels?.['app.kubernetes.io/component']).toBe('firmware');
    expect(job.metadata?.annotations?.['onload.amd.com/firmware']).toBe('sfupdate --write --yes');
    expect(job.spec?.backoffLimit).toBe(0);
    expect(job.spec?.activeDeadlineSeconds).toBe(600);
    const pod = job.spec?.template.spec;
    expect(pod?.nodeName).toBe('worker-3');
    expect(pod?.restartPolicy).toBe('Never');
    expect(pod?.hostNetwork).toBe(true);
    expect(pod?.serviceAccountName).toBe('onload-troubleshooting');
    const container = pod?.containers[0];
    expect(container?.securityContext?.privileged).toBe(true);
    expect(container?.image).toBe(data.image);
    // No diagnostics.sfc.image: the host's tools, through chroot /host.
    expect(container?.command?.[2]).toContain('FROM=host');
    expect(container?.command?.[2]).toContain('run sfupdate --write --yes || exit $?');
  });

  it("runs diagnostics.sfc.image's tools when it is set", () => {
    const job = firmwareJob({
      settings: debugSettingsFromConfigMap('onload', { ...data, sfcImage: 'example/sfutils:1' }),
      node: 'n',
      commands,
    });
    const container = job.spec?.template.spec?.containers[0];
    expect(container?.image).toBe('example/sfutils:1');
    expect(container?.command?.[2]).toContain('FROM=image');
  });

  it('keeps names within 63 characters', () => {
    expect(firmwareJobName('x'.repeat(80), 'abcde').length).toBeLessThanOrEqual(63);
  });
});
