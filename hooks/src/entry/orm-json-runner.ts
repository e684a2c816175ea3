import { runnerMain } from '../metrics/main.ts';

await runnerMain();
