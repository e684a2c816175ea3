// The firmware Job's shell script: runs each sfboot / sfupdate command line in turn, from the
// image (diagnostics.sfc.image) or the host's (chroot /host), echoing each command and its exit
// code; stops at the first failure. Pure. The arguments come from request.ts, which allows no
// character that needs quoting.
export type ToolsFrom = 'host' | 'image';

/** Exit codes of the script beyond the tool's own: a tool is missing. */
export const missingToolExit = 127;

export function firmwareScript(commands: readonly (readonly string[])[], from: ToolsFrom): string {
  const lines = [
    'set -u',
    `FROM=${from}`,
    'run() {',
    '  echo "\\$ $*"',
    '  if [ "$FROM" = host ]; then chroot /host "$@"; else "$@"; fi',
    '  rc=$?',
    '  echo "(exit $rc)"',
    '  return $rc',
    '}',
    'has() {',
    '  if [ "$FROM" = host ]; then chroot /host sh -c "command -v $1" >/dev/null 2>&1; else command -v "$1" >/dev/null 2>&1; fi',
    '}',
  ];
  for (const tool of [...new Set(commands.map((c) => c[0] ?? ''))])
    lines.push(
      `has ${tool} || { echo "${tool} not found (${from === 'host' ? "on the host's PATH" : 'in the image'}): install the Solarflare utilities (sfutils)${from === 'host' ? ' on the node, or set diagnostics.sfc.image to an image that has them' : ' in diagnostics.sfc.image'}"; exit ${missingToolExit}; }`,
    );
  for (const command of commands) lines.push(`run ${command.join(' ')} || exit $?`);
  lines.push('echo "firmware: every command succeeded"');
  return `${lines.join('\n')}\n`;
}
