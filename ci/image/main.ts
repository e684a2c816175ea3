// npm run image   builds the hooks image with no container daemon (buildah, mmdebstrap, skopeo)
//                 and prints its reference, digest, size and OCI archive path.
import { progressTo } from '../lib/progress.ts';
import { ensureHooksImage } from './hooks-image.ts';

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const image = await ensureHooksImage(progressTo('image'));
console.log(`reference ${image.reference}`);
console.log(`digest    ${image.digest}`);
console.log(`image id  ${image.imageId}`);
console.log(`size      ${image.size} (OCI archive ${mib(image.archiveBytes)}, compressed)`);
console.log(`archive   ${image.archive}`);
console.log(
  image.built ? `built in ${image.seconds.toFixed(0)} s` : 'already built (same inputs): cached',
);
