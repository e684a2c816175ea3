import { main } from '../main.ts';
import { runLabeller } from '../phases/labeller.ts';

await main('labeller', runLabeller);
