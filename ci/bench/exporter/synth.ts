// Synthetic orm_json output with N stacks, for the exporter bench: every stack is the 1-stack
// fixture's stack with its own id, name and counter values, and /proc/driver/onload/stacks lists
// one process per stack (so each stack gets a pid label, the worst case for cardinality). Pure.

interface OrmStack {
  id: number;
  index: string;
  name: string;
  pretty_name: string;
  stack: { stack_state: Record<string, unknown> };
  stats?: Record<string, unknown>;
  [key: string]: unknown;
}

interface OrmOutput {
  stacks: OrmStack[];
  [key: string]: unknown;
}

/** `template`: orm_json's output holding at least one stack. */
export function synthesizeOrmJson(template: string, stacks: number): string {
  const parsed = JSON.parse(template) as OrmOutput;
  const first = parsed.stacks[0];
  if (!first) throw new Error('the template orm_json output has no stack');
  const out: OrmOutput = {
    ...parsed,
    stacks: Array.from({ length: stacks }, (_, i) => stackNumbered(first, i)),
  };
  return `${JSON.stringify(out, null, 1)}\n`;
}

function stackNumbered(template: OrmStack, i: number): OrmStack {
  const name = `app-${i}`;
  const copy = structuredClone(template);
  copy.id = i;
  copy.index = `app_${i}`;
  copy.name = name;
  copy.pretty_name = `${i},${name}`;
  copy.stack.stack_state = {
    ...copy.stack.stack_state,
    stack_id: i,
    name,
    pretty_name: `${i},${name}`,
  };
  if (copy.stats)
    copy.stats = Object.fromEntries(
      Object.entries(copy.stats).map(([k, v]) => [k, typeof v === 'number' ? v + i : v]),
    );
  return copy;
}

/** /proc/driver/onload/stacks: "<stack id>: <pid> <uid> ..." per stack, pids from 10000. */
export function synthesizeStacksProc(stacks: number): string {
  const fields = ' 0'.repeat(20);
  return Array.from({ length: stacks }, (_, i) => `${i}: ${10_000 + i}${fields}\n`).join('');
}
