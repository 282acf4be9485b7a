import { resolve } from 'node:path';

/**
 * Public data sets the benchmarks read (CLINC150, Banking77, recordings of real speech), each with
 * its own licence, kept beside the repository rather than in it; `VISEMO_DATA` points elsewhere.
 */
export const SHARED_DATA = process.env.VISEMO_DATA ?? resolve(import.meta.dirname, '../../shared/data');
