import { main } from '../main.ts';
import { runPreDelete } from '../phases/pre-delete.ts';

await main('pre-delete', runPreDelete);
