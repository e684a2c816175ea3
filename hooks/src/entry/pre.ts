import { main } from '../main.ts';
import { runPre } from '../phases/pre.ts';

await main('pre', runPre);
