// What `kubectl onload firmware` is asked to do, from its flags, and the sfboot / sfupdate command
// lines that do it. Pure. Settings are checked against sfboot's documented keys so a typo fails
// here, before any node is drained, and values are limited to characters that need no quoting.
import { stringFlag, UsageError, type FlagValues } from '../args.ts';

/** sfboot's documented settings (Solarflare Server Adapter User Guide): global, then per adapter. */
export const sfbootKeys: readonly string[] = [
  'boot-image',
  'port-mode',
  'firmware-variant',
  'insecure-filters',
  'mac-spoofing',
  'change-mac',
  'rx-dc-size',
  'tx-dc-size',
  'vi-count',
  'event-merge-timeout',
  'permit-fw-downgrade',
  'link-speed',
  'linkup-delay',
  'banner-delay',
  'bootskip-delay',
  'boot-type',
  'pf-count',
  'msix-limit',
  'vf-count',
  'vf-msix-limit',
  'pf-vlans',
  'switch-mode',
  'evt-cut-thru',
];

/** Port mode and switch mode / VF changes take effect only after a cold reboot (power cycle). */
const coldRebootKeys = new Set(['port-mode', 'switch-mode', 'pf-count', 'vf-count']);

const valuePattern = /^[A-Za-z0-9_.:[\]/-]+$/;
const adapterPattern = /^[A-Za-z0-9_.:-]{1,15}$/;

export interface FirmwareRequest {
  /** sfboot settings to write, in the order given. */
  readonly settings: readonly (readonly [string, string])[];
  /** Flash the firmware images the tools carry (sfupdate --write). */
  readonly update: boolean;
  /** One adapter (interface name); default every adapter. */
  readonly adapter?: string;
  /** Write; otherwise report the current configuration and what would be done. */
  readonly apply: boolean;
}

function parseSettings(text: string): [string, string][] {
  const settings: [string, string][] = [];
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const at = item.indexOf('=');
    const key = at < 0 ? item : item.slice(0, at);
    const value = at < 0 ? '' : item.slice(at + 1);
    if (!sfbootKeys.includes(key))
      throw new UsageError(
        `flag --sfboot: "${key}" is not an sfboot setting; the settings are ${sfbootKeys.join(', ')}`,
      );
    if (!valuePattern.test(value))
      throw new UsageError(
        `flag --sfboot: ${key} needs a value of letters, digits and . _ : [ ] / - (e.g. ${key}=${key === 'firmware-variant' ? 'ultra-low-latency' : '<value>'}); got "${value}"`,
      );
    if (settings.some(([k]) => k === key))
      throw new UsageError(`flag --sfboot: ${key} is given twice; give each setting once`);
    settings.push([key, value]);
  }
  return settings;
}

export function firmwareRequest(flags: FlagValues): FirmwareRequest {
  const sfboot = stringFlag(flags, 'sfboot');
  const settings = sfboot === undefined ? [] : parseSettings(sfboot);
  if (sfboot !== undefined && settings.length === 0)
    throw new UsageError(
      'flag --sfboot: give key=value settings, e.g. --sfboot firmware-variant=ultra-low-latency',
    );
  const adapter = stringFlag(flags, 'adapter');
  if (adapter !== undefined && !adapterPattern.test(adapter))
    throw new UsageError(
      `flag --adapter: "${adapter}" is not an interface name; give the adapter's interface, e.g. --adapter ens1f0`,
    );
  const update = flags.sfupdate === true;
  const apply = flags.apply === true;
  if (apply && settings.length === 0 && !update)
    throw new UsageError(
      '--apply needs something to write: --sfboot key=value[,key=value] and/or --sfupdate',
    );
  return { settings, update, apply, ...(adapter !== undefined ? { adapter } : {}) };
}

/** The command lines the firmware Job runs, in order. A dry run only reads. */
export function firmwareCommands(request: FirmwareRequest): string[][] {
  const adapter = request.adapter !== undefined ? ['--adapter', request.adapter] : [];
  if (!request.apply)
    return [
      ['sfboot', ...adapter],
      ['sfupdate', ...adapter],
    ];
  return [
    ...(request.settings.length > 0
      ? [['sfboot', ...adapter, ...request.settings.map(([k, v]) => `${k}=${v}`)]]
      : []),
    ...(request.update ? [['sfupdate', ...adapter, '--write', '--yes']] : []),
  ];
}

/** What the user must still do after the write, in words; empty when nothing. */
export function afterWrite(request: FirmwareRequest): string[] {
  const notes: string[] = [];
  if (request.settings.length > 0) {
    const cold = request.settings.filter(([k]) => coldRebootKeys.has(k)).map(([k]) => k);
    notes.push(
      cold.length > 0
        ? `the sfboot settings are stored in the adapter's NVRAM; ${cold.join(', ')} take effect only after a cold reboot (power cycle), the others at the next reboot: reboot the node when convenient (kubectl drain, reboot, kubectl uncordon)`
        : "the sfboot settings are stored in the adapter's NVRAM and take effect at the node's next reboot: reboot it when convenient (kubectl drain, reboot, kubectl uncordon)",
    );
  }
  return notes;
}
