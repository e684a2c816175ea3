import { describe, expect, it } from '@jest/globals';
import { UsageError } from '../args.ts';
import { afterWrite, firmwareCommands, firmwareRequest } from './request.ts';

describe('firmware request', () => {
  it('reads settings, the update, the adapter and --apply', () => {
    const request = firmwareRequest({
      sfboot: 'firmware-variant=ultra-low-latency, port-mode=[2x10/25g][2x10/25g]',
      sfupdate: true,
      adapter: 'ens1f0',
      apply: true,
    });
    expect(request).toEqual({
      settings: [
        ['firmware-variant', 'ultra-low-latency'],
        ['port-mode', '[2x10/25g][2x10/25g]'],
      ],
      update: true,
      adapter: 'ens1f0',
      apply: true,
    });
    expect(firmwareCommands(request)).toEqual([
      [
        'sfboot',
        '--adapter',
        'ens1f0',
        'firmware-variant=ultra-low-latency',
        'port-mode=[2x10/25g][2x10/25g]',
      ],
      ['sfupdate', '--adapter', 'ens1f0', '--write', '--yes'],
    ]);
  });

  it('a dry run only reads, whatever it is asked to write', () => {
    const request = firmwareRequest({ sfboot: 'vf-count=4', sfupdate: true });
    expect(request.apply).toBe(false);
    expect(firmwareCommands(request)).toEqual([['sfboot'], ['sfupdate']]);
  });

  it.each([
    [{ sfboot: 'firmware-varient=auto' }, '"firmware-varient" is not an sfboot setting'],
    [{ sfboot: 'vf-count=4;reboot' }, 'vf-count needs a value of letters'],
    [{ sfboot: 'vf-count' }, 'vf-count needs a value'],
    [{ sfboot: 'vf-count=2,vf-count=4' }, 'vf-count is given twice'],
    [{ sfboot: ' , ' }, 'give key=value settings'],
    [{ adapter: 'eth0; rm' }, 'flag --adapter'],
    [{ apply: true }, '--apply needs something to write'],
  ] as const)('refuses %j naming the flag and the fix', (flags, message) => {
    expect(() => firmwareRequest(flags)).toThrow(UsageError);
    expect(() => firmwareRequest(flags)).toThrow(message);
  });

  it('says when the settings take effect: a cold reboot for port-mode, else the next reboot', () => {
    expect(afterWrite(firmwareRequest({ sfupdate: true, apply: true }))).toEqual([]);
    expect(afterWrite(firmwareRequest({ sfboot: 'boot-image=disabled' }))[0]).toContain(
      'next reboot',
    );
    expect(afterWrite(firmwareRequest({ sfboot: 'port-mode=2x10G' }))[0]).toContain(
      'port-mode take effect only after a cold reboot',
    );
  });
});
