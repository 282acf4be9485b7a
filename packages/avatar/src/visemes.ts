import { VISEMES, type Viseme } from '@visemo/core/visemes-types';

export type { Viseme };
export { VISEMES };

export type VisemeWeights = Record<Viseme, number>;

export function zeroVisemeWeights(): VisemeWeights {
  const out = {} as VisemeWeights;
  for (const v of VISEMES) out[v] = 0;
  return out;
}
