// Taking the release's rollout Lease, as every phase that changes nodes does first: one run at a
// time per release, and a run that loses the Lease stops.
import { rolloutLeaseName } from '../contract.ts';
import { defaultLeaseSeconds, RolloutLease } from '../runtime/lease.ts';
import { exitCodes, type PhaseContext, type PhaseResult } from '../runtime/run.ts';

export interface HoldLeaseOptions {
  /** Give up waiting for a held Lease this long before the deadline. */
  readonly marginMs: number;
  /** The end of the refusal message when another run holds it (what was not done, what to do). */
  readonly whenHeld: string;
  /** Called once the Lease is lost, after the run was told to stop. */
  readonly onLost?: () => void;
}

export type HeldLease =
  | { readonly kind: 'held'; readonly lease: RolloutLease }
  | { readonly kind: 'refused'; readonly result: PhaseResult };

export async function holdRolloutLease(
  ctx: PhaseContext,
  options: HoldLeaseOptions,
): Promise<HeldLease> {
  const { port, config, log, clock, run } = ctx;
  const name = rolloutLeaseName(config.crName);
  const lease = new RolloutLease(
    port,
    {
      namespace: config.namespace,
      name,
      identity: config.identity,
      durationSeconds: defaultLeaseSeconds,
      now: () => clock.now(),
      sleep: (ms) => clock.sleep(ms),
    },
    log,
  );
  const acquired = await lease.acquire(run.deadlineAt - options.marginMs, () => run.stopping);
  if (acquired.kind === 'held')
    return {
      kind: 'refused',
      result: {
        exitCode: exitCodes.failed,
        message: `another run (${acquired.holder}) still holds Lease ${config.namespace}/${name}; ${options.whenHeld}`,
      },
    };
  if (acquired.tookOverFrom)
    log.info(`took over the rollout Lease from a run that is gone (${acquired.tookOverFrom})`);
  lease.startRenewing(() => {
    options.onLost?.();
    run.stop();
  });
  return { kind: 'held', lease };
}
