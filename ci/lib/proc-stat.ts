// /proc/<pid>/stat split into fields (proc(5)). The command name sits in parentheses and may hold
// spaces and parentheses itself, so the fields are taken after its last ')'.
import { readFileSync } from 'node:fs';

/** The fields after the command name, from field 3 (the state) on: field N is at index N − 3. */
export function fieldsAfterName(statText: string): string[] {
  return statText
    .slice(statText.lastIndexOf(')') + 2)
    .trim()
    .split(/\s+/);
}

/** `fieldsAfterName` of process `pid`, or undefined once it is gone. */
export function readStatFields(pid: number): string[] | undefined {
  try {
    return fieldsAfterName(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}
