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

/** Whether KMM `kmmVersion` ("2.4", "2.5.1") is `minimum` or newer. */
export function atLeastVersion(kmmVersion: string, minimum: string): boolean {
  const parse = (v: string): [number, number] => {
    const match = /^(\d+)\.(\d+)/.exec(v);
    if (!match) throw new Error(`KMM version "${v}": expected <major>.<minor>, e.g. 2.5`);
    return [Number(match[1]), Number(match[2])];
  };
  const [major, minor] = parse(kmmVersion);
  const [wantMajor, wantMinor] = parse(minimum);
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

/** KMM writes `.version.ready` from 2.5 on. */
export function writesVersionReady(kmmVersion: string): boolean {
  return atLeastVersion(kmmVersion, '2.5');
}

/**
 * JSON object: what the onload driver of a Module version reports in /sys/module/onload/version,
 * e.g. `{"v2":"0123abcd 20260201 master"}` (a version not listed reports itself).
 */
export const driverReportsAnnotation = `${faultAnnotationPrefix}/driver-reports`;
/**
 * JSON object: what the userland of the pods labelled with an onload.version reports, or null
 * where it cannot tell, e.g. `{"v2":"8.1.1.17"}` (a version not listed reports itself).
 */
export const userlandReportsAnnotation = `${faultAnnotationPrefix}/userland-reports`;

/** A reports annotation's map; throws on a value it cannot read. */
export function parseReports(
  value: string | undefined,
  key: string,
): Readonly<Record<string, string | null>> {
  if (value === undefined || value === '') return {};
  const problem = `${key} value "${value}": use a JSON object of version → reported version string (or null)`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(problem);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(problem);
  const reports: Record<string, string | null> = {};
  for (const [version, reported] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof reported !== 'string' && reported !== null) throw new Error(problem);
    reports[version] = reported;
  }
  return reports;
}
