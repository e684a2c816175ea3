// What every phase gets: the port, its configuration, a logger, a clock, and the run's control
// (SIGTERM → stop at a safe point; the Job deadline).
import type { HookConfig } from '../config/env.ts';
import type { KubePort } from '../kube/port.ts';
import type { Logger } from '../log/logger.ts';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Time the pod needed to start before the process did: kept off the Job deadline. */
export const startupAllowanceMs = 10_000;

export class RunControl {
  readonly startedAt: number;
  readonly deadlineAt: number;
  private stoppingFlag = false;
  private readonly listeners: (() => void)[] = [];

  constructor(startedAt: number, deadlineSeconds: number | undefined) {
    this.startedAt = startedAt;
    this.deadlineAt =
      deadlineSeconds === undefined
        ? Number.POSITIVE_INFINITY
        : startedAt + deadlineSeconds * 1000 - startupAllowanceMs;
  }

  get stopping(): boolean {
    return this.stoppingFlag;
  }

  stop(): void {
    if (this.stoppingFlag) return;
    this.stoppingFlag = true;
    for (const l of this.listeners) l();
  }

  onStop(listener: () => void): void {
    this.listeners.push(listener);
  }
}

export interface PhaseContext {
  readonly port: KubePort;
  readonly config: HookConfig;
  readonly log: Logger;
  readonly clock: Clock;
  readonly run: RunControl;
}

export interface PhaseResult {
  readonly exitCode: number;
  readonly message: string;
}

export const exitCodes = { ok: 0, failed: 1, stopped: 143 } as const;
