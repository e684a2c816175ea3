import { main } from '../main.ts';
import { runPostDelete } from '../phases/post-delete.ts';

await main('post-delete', runPostDelete);
