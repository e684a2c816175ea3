// Reading the host state a real node changes: mounts, cgroups, iptables chains. Pure: text in,
// facts out, so the teardown's decisions have unit tests.

/** Mount points under `dir` (from /proc/self/mountinfo), deepest first: the order to unmount. */
export function mountPointsUnder(mountinfo: string, dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) =>
      p.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))),
    )
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Mount points of cgroup v1 hierarchies and of the cgroup v2 tree. */
export function cgroupMounts(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .map((line) => {
      const fields = line.split(' ');
      const dash = fields.indexOf('-');
      const type = dash >= 0 ? fields[dash + 1] : undefined;
      return type === 'cgroup' || type === 'cgroup2' ? fields[4] : undefined;
    })
    .filter((p): p is string => p !== undefined);
}

/** Chain names `iptables -t <table> -S` declares that start with `prefix`. */
export function chainsIn(rules: string, prefix: string): string[] {
  return rules
    .split('\n')
    .map((line) => /^-N (\S+)$/.exec(line.trim())?.[1])
    .filter((c): c is string => c !== undefined && c.startsWith(prefix));
}

/**
 * The iptables argument lists that remove `chains` from a table whose `-S` output is `rules`:
 * first every rule jumping to them (as `-D`), then flush and delete each chain.
 */
export function chainRemovals(rules: string, chains: readonly string[]): string[][] {
  const doomed = new Set(chains);
  const jumps = rules
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => {
      const match = /^-A (\S+) .*-j (\S+)/.exec(line);
      return match !== null && !doomed.has(match[1] ?? '') && doomed.has(match[2] ?? '');
    })
    .map((line) => ['-D', ...line.slice('-A '.length).split(/\s+/)]);
  return [...jumps, ...chains.map((c) => ['-F', c]), ...chains.map((c) => ['-X', c])];
}
