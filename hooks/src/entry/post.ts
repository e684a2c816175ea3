import { main } from '../main.ts';
import { runPost } from '../phases/post.ts';

await main('post', runPost);
