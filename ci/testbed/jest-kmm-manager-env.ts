// Runs before each test file of the `kmm-manager` project: session.ts then reads that project's bed.
import { kmmManagerStateEnv, stateEnv } from './session.ts';

const dir = process.env[kmmManagerStateEnv];
if (dir) process.env[stateEnv] = dir;
