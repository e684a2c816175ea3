// writeSupportBundle: runs the collection steps a few at a time, each within its own time limit,
// and streams their files into the .tar.gz in the steps' order (so the same cluster state gives
// the same archive layout), then the index. A failed step is recorded, never fatal; only a
// failure to write the archive itself rejects.
import { rename, rm, stat } from 'node:fs/promises';
import {
  buildIndex,
  classify,
  renderReadme,
  type BundleFailure,
  type BundleFileRecord,
  type BundleIndex,
} from './bundle-index.ts';
import {
  initialSteps,
  type BundleCollector,
  type BundleFile,
  type Step,
  type StepResult,
} from './collect.ts';
import { bundleName, pathProblem, paths } from './layout.ts';
import type { ClusterSource } from './source.ts';
import { TarGzWriter } from './tar.ts';

export interface SupportBundleOptions {
  readonly source: ClusterSource;
  /** The release namespace. */
  readonly namespace: string;
  /** The .tar.gz to write (replaced if it exists; written beside it first, then renamed). */
  readonly output: string;
  /** Helm release name; default: every release in the namespace whose chart is `chart`. */
  readonly release?: string;
  /** Default `onload`. */
  readonly chart?: string;
  /** Label selector of the nodes to include; default: those the Onload CRs select (all without one). */
  readonly nodeSelector?: string;
  /** Time limit of each item (one list, one log, one collector); default 30 s. */
  readonly timeoutMs?: number;
  /** Per container log, from its end; default 10 MiB. */
  readonly logLimitBytes?: number;
  /** Items collected at once; default 4. */
  readonly concurrency?: number;
  /** Where to look for the KMM operator; default kmm-operator-system, openshift-kmm. */
  readonly kmmOperatorNamespaces?: readonly string[];
  /** Label selector of the KMM operator's pods; default its manager and webhook. */
  readonly kmmOperatorSelector?: string;
  /** Run after the nodes are known, e.g. per-node diagnostics (`paths.nodeDiagnostics`). */
  readonly collectors?: readonly BundleCollector[];
  /** Files added as they are (paths relative to the bundle root). */
  readonly extraFiles?: readonly BundleFile[];
  /** The archive's root folder; default `onload-support-<namespace>-<time>`. */
  readonly bundleName?: string;
  readonly now?: () => Date;
}

export interface BundleReport {
  readonly path: string;
  readonly bytes: number;
  /** The index written into the bundle (files and what could not be collected). */
  readonly index: BundleIndex;
}

export const defaults = {
  chart: 'onload',
  timeoutMs: 30_000,
  logLimitBytes: 10 * 1024 * 1024,
  concurrency: 4,
  kmmOperatorNamespaces: ['kmm-operator-system', 'openshift-kmm'],
  kmmOperatorSelector: 'control-plane in (controller,controller-manager,webhook-server)',
} as const;

interface Outcome {
  readonly result: StepResult;
  readonly failed: boolean;
}

/** Runs one step within `timeoutMs`; never rejects. */
export async function settle(step: Step, timeoutMs: number): Promise<Outcome> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve('timeout');
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([step.run(controller.signal), timeout]);
    if (result === 'timeout')
      return {
        result: { failures: [classify(step.item, undefined, step.access, timeoutMs)] },
        failed: true,
      };
    return { result, failed: false };
  } catch (e) {
    const timedOut = controller.signal.aborted ? timeoutMs : undefined;
    return { result: { failures: [classify(step.item, e, step.access, timedOut)] }, failed: true };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs steps with at most `concurrency` in flight and hands each outcome to `take` in queue
 * order; steps a step adds join the end of the queue.
 */
export async function runSteps(
  initial: readonly Step[],
  concurrency: number,
  timeoutMs: number,
  take: (step: Step, outcome: Outcome, done: number, known: number) => Promise<void>,
): Promise<void> {
  const queue = [...initial];
  const running: Promise<Outcome>[] = [];
  let started = 0;
  let done = 0;
  const fill = () => {
    while (running.length < Math.max(1, concurrency) && started < queue.length) {
      const step = queue[started++];
      if (step) running.push(settle(step, timeoutMs));
    }
  };
  fill();
  for (let head = running.shift(); head; head = running.shift()) {
    const outcome = await head;
    const step = queue[done++];
    if (!step) break;
    queue.push(
      ...(outcome.result.next ?? []),
      ...(outcome.failed ? (step.onFailure?.() ?? []) : []),
    );
    fill();
    await take(step, outcome, done, queue.length);
  }
}

export async function writeSupportBundle(
  options: SupportBundleOptions,
  progress: (line: string) => void = () => undefined,
): Promise<BundleReport> {
  const createdAt = (options.now ?? (() => new Date()))();
  const mtime = Math.floor(createdAt.getTime() / 1000);
  const root = options.bundleName ?? bundleName(options.namespace, createdAt);
  const settings = {
    release: options.release ?? null,
    chart: options.chart ?? defaults.chart,
    nodeSelector: options.nodeSelector ?? null,
    timeoutMs: options.timeoutMs ?? defaults.timeoutMs,
    logLimitBytes: options.logLimitBytes ?? defaults.logLimitBytes,
    kmmOperatorNamespaces: options.kmmOperatorNamespaces ?? defaults.kmmOperatorNamespaces,
    kmmOperatorSelector: options.kmmOperatorSelector ?? defaults.kmmOperatorSelector,
  };
  const files: BundleFileRecord[] = [];
  const failures: BundleFailure[] = [];
  const written = new Set<string>();
  let serverVersion: string | undefined;

  const partial = `${options.output}.partial`;
  const tar = new TarGzWriter(partial);
  const add = async (file: BundleFile, item: string) => {
    if (written.has(file.path)) {
      failures.push({ item, reason: 'failed', detail: `${file.path} was already written` });
      return;
    }
    written.add(file.path);
    const content = Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content);
    await tar.add({ path: `${root}/${file.path}`, content, mtime });
    files.push({
      path: file.path,
      bytes: content.length,
      item,
      ...(file.note ? { note: file.note } : {}),
    });
  };

  try {
    progress(`collecting the support bundle of namespace ${options.namespace}`);
    const steps = initialSteps({
      source: options.source,
      namespace: options.namespace,
      ...(options.release ? { release: options.release } : {}),
      ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
      chart: settings.chart,
      logLimitBytes: settings.logLimitBytes,
      kmmOperatorNamespaces: settings.kmmOperatorNamespaces,
      kmmOperatorSelector: settings.kmmOperatorSelector,
      collectors: options.collectors ?? [],
    });
    await runSteps(
      steps,
      options.concurrency ?? defaults.concurrency,
      settings.timeoutMs,
      async (step, { result }, done, known) => {
        for (const file of result.files ?? []) {
          await add(file, step.item);
        }
        serverVersion ??= result.serverVersion;
        failures.push(...(result.failures ?? []));
        progress(`[${done}/${known}] ${step.item}`);
        for (const f of result.failures ?? [])
          progress(`  not collected: ${f.reason}: ${f.detail}`);
      },
    );
    for (const file of options.extraFiles ?? []) {
      const problem = pathProblem(file.path);
      if (problem === undefined) await add(file, 'extra file');
      else failures.push({ item: 'extra file', reason: 'failed', detail: problem });
    }
    const index = buildIndex(
      {
        createdAt: createdAt.toISOString(),
        namespace: options.namespace,
        ...(serverVersion ? { serverVersion } : {}),
        settings,
      },
      files,
      failures,
    );
    const readme = Buffer.from(renderReadme(index));
    const json = Buffer.from(`${JSON.stringify(index, null, 2)}\n`);
    await tar.add({ path: `${root}/${paths.readme}`, content: readme, mtime });
    await tar.add({ path: `${root}/${paths.index}`, content: json, mtime });
    await tar.close();
    await rename(partial, options.output);
    const { size } = await stat(options.output);
    progress(
      `wrote ${options.output} (${files.length} files, ${size} bytes; ${failures.length} items not collected, see ${root}/${paths.readme})`,
    );
    return { path: options.output, bytes: size, index };
  } catch (e) {
    tar.abort();
    await rm(partial, { force: true });
    throw e;
  }
}
