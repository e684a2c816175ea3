// The init step of the chart's device-plugin and control-plane pods (charts/onload/templates/
// _helpers.tpl, "onload.waitForDriverScript"), modelled: it reads the version the pod's userland
// reports (libonload.so) and waits until the loaded onload driver reports the same, compared
// word by word; where the userland cannot tell, it compares with onload.version. The lines are
// the script's, word for word. Pure.

export interface InitStepInput {
  /** ONLOAD_VERSION: the pod's onload.version. */
  readonly label: string;
  /** What the userland reports; null where it cannot tell. */
  readonly userland: string | null;
  /** What /sys/module/onload/version says; undefined while no onload driver is loaded. */
  readonly driver: string | undefined;
  /** KMM's `.version.ready` node label key of the pod's namespace (named in the hint). */
  readonly versionReadyLabel: string;
}

export interface InitStep {
  /** The first line: the userland version and where it came from. */
  readonly intro: string;
  readonly open: boolean;
  /** The waiting line, or the match line once open. */
  readonly line: string;
}

const libonload = '/opt/onload/usr/lib64/libonload.so';
const cpServer = '/opt/onload/sbin/onload_cp_server';

/** Words joined by one space, as the script's `words`. */
export function words(text: string): string {
  return text.split(/\s+/).filter(Boolean).join(' ');
}

export function initStep(input: InitStepInput): InitStep {
  const { label, versionReadyLabel } = input;
  const known = input.userland === null ? undefined : words(input.userland);
  const mine = known ?? words(label);
  const ours = known ? `this pod's Onload userland reports ${known}` : `onload.version is ${mine}`;
  const intro = !known
    ? `cannot read the version of this pod's Onload userland (${libonload}: not found; ${cpServer}: not found); comparing the driver with onload.version ${label} instead`
    : known === label
      ? `${ours} (${libonload})`
      : `${ours} (${libonload}), not onload.version ${label}: fine if ${label} names this build; the driver must report ${known}`;
  const have = input.driver === undefined ? '' : words(input.driver);
  if (have !== '' && have === mine)
    return {
      intro,
      open: true,
      line: `onload driver ${have} matches ${known ? "this pod's userland" : 'onload.version'}`,
    };
  const never = known
    ? 'onload.userImage and the kernel-module images are different Onload builds'
    : "the driver does not report onload.version and this pod's userland cannot tell its own version";
  const line =
    have === ''
      ? `waiting: the onload driver is not loaded on this node; ${ours}`
      : `waiting: the loaded onload driver reports ${have}; ${ours}. They match once this node loads the driver of the same Onload build; if it already runs onload.version ${label} (node label ${versionReadyLabel}=${label}), they never will: ${never}`;
  return { intro, open: false, line };
}
