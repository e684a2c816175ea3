// A small Containerfile reader for checking recipes that cannot be built here (their base
// images are not obtainable): stages, build arguments and their use. Pure.

export interface Stage {
  readonly from: string;
  readonly name?: string;
  /** ARG names declared in the stage. */
  readonly args: readonly string[];
  /** ENV names set in the stage. */
  readonly env: readonly string[];
  /** Instructions after FROM, continuation lines joined. */
  readonly instructions: readonly string[];
}

export interface Containerfile {
  /** ARGs before the first FROM (usable in FROM lines). */
  readonly globalArgs: readonly string[];
  readonly stages: readonly Stage[];
}

function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) current += `${line.slice(0, -1)} `;
    else {
      lines.push(current + line);
      current = '';
    }
  }
  return lines;
}

function declaredName(rest: string): string {
  return rest.split(/[=\s]/)[0] ?? '';
}

export function parseContainerfile(text: string): Containerfile {
  const globalArgs: string[] = [];
  const stages: {
    from: string;
    name?: string;
    args: string[];
    env: string[];
    instructions: string[];
  }[] = [];
  for (const line of logicalLines(text)) {
    const [keyword = '', ...restWords] = line.split(/\s+/);
    const rest = restWords.join(' ');
    const stage = stages.at(-1);
    switch (keyword.toUpperCase()) {
      case 'FROM': {
        const [from = '', as, name] = restWords;
        stages.push({
          from,
          ...(as?.toUpperCase() === 'AS' && name ? { name } : {}),
          args: [],
          env: [],
          instructions: [],
        });
        break;
      }
      case 'ARG':
        (stage ? stage.args : globalArgs).push(declaredName(rest));
        break;
      case 'ENV':
        stage?.env.push(declaredName(rest));
        stage?.instructions.push(line);
        break;
      default:
        stage?.instructions.push(line);
    }
  }
  return { globalArgs, stages };
}

const variable = /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g;

/** Problems: undeclared build arguments, COPY --from an unknown stage. Shell variables in RUN are allowed when assigned there. */
export function containerfileProblems(file: Containerfile): string[] {
  const problems: string[] = [];
  const names: string[] = [];
  file.stages.forEach((stage, i) => {
    for (const [, v] of stage.from.matchAll(variable))
      if (v !== undefined && !file.globalArgs.includes(v))
        problems.push(`stage ${String(i)}: FROM uses \${${v}}, not an ARG before the first FROM`);
    for (const instruction of stage.instructions) {
      const from = /--from=(\S+)/.exec(instruction)?.[1];
      if (from !== undefined && !names.includes(from))
        problems.push(`stage ${String(i)}: COPY --from=${from} names no earlier stage`);
      if (instruction.toUpperCase().startsWith('RUN')) continue;
      for (const [, v] of instruction.matchAll(variable))
        if (v !== undefined && !stage.args.includes(v) && !stage.env.includes(v))
          problems.push(
            `stage ${String(i)}: ${instruction.split(/\s/)[0] ?? ''} uses \${${v}}, not declared in the stage`,
          );
    }
    if (stage.name) names.push(stage.name);
  });
  return problems;
}
