// Node annotations that steer the test bed's stand-ins (documented in README.md here).
export const faultAnnotationPrefix = 'testbed.onload.amd.com';

/** `fail` or `hang`, optionally for some modules only: `fail:onload,sfc`. */
export const kmmLoadFaultAnnotation = `${faultAnnotationPrefix}/kmm-load`;
export const kmmUnloadFaultAnnotation = `${faultAnnotationPrefix}/kmm-unload`;
/** The KMM version the stand-in behaves as on this node, e.g. `2.4` (no `.version.ready`). */
export const kmmVersionAnnotation = `${faultAnnotationPrefix}/kmm-version`;

export type Fault = 'fail' | 'hang';

/** The fault an annotation value injects for `module`; throws on a value it cannot read. */
export function parseFault(value: string | undefined, module: string): Fault | undefined {
  if (value === undefined || value === '') return undefined;
  const [mode = '', modules] = value.split(':', 2);
  if (mode !== 'fail' && mode !== 'hang')
    throw new Error(
      `fault annotation value "${value}": use "fail" or "hang", optionally followed by ":<module>[,<module>]"`,
    );
  if (modules === undefined) return mode;
  return modules.split(',').includes(module) ? mode : undefined;
}

/** Parses "2.4" / "2.5.1"; KMM writes `.version.ready` from 2.5 on. */
export function writesVersionReady(kmmVersion: string): boolean {
  const match = /^(\d+)\.(\d+)/.exec(kmmVersion);
  if (!match) throw new Error(`KMM version "${kmmVersion}": expected <major>.<minor>, e.g. 2.5`);
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 2 || (major === 2 && minor >= 5);
}
