/** @kubernetes/client-node 2.x needs Node.js 24. */
export const minimumNode = 24;
