import { jest } from '@jest/globals';

// Cluster tests wait on real controllers; their own waits carry the meaningful time limits.
jest.setTimeout(900_000);
