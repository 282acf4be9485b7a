import type { PhoneTiming } from '@visemo/core';

/** Flite's lexicon writes the unstressed schwa `ax`; CMUdict writes `AH`. */
function canonical(phone: string): string {
  const p = phone.toLowerCase().replace(/\d/g, '');
  return p === 'ax' ? 'ah' : p;
}

/**
 * Pairs the phones two timelines share, in order (longest common subsequence over phone names,
 * pauses left out), since Flite's lexicon and CMUdict disagree on some pronunciations.
 */
export function matchPhones(
  a: readonly PhoneTiming[],
  b: readonly PhoneTiming[],
): [PhoneTiming, PhoneTiming][] {
  const x = a.filter((p) => p.phone !== 'pau');
  const y = b.filter((p) => p.phone !== 'pau');
  const n = x.length;
  const m = y.length;
  const dp = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = dp[i] as Int32Array;
      row[j] =
        canonical((x[i] as PhoneTiming).phone) === canonical((y[j] as PhoneTiming).phone)
          ? ((dp[i + 1] as Int32Array)[j + 1] as number) + 1
          : Math.max((dp[i + 1] as Int32Array)[j] as number, row[j + 1] as number);
    }
  }
  const pairs: [PhoneTiming, PhoneTiming][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (canonical((x[i] as PhoneTiming).phone) === canonical((y[j] as PhoneTiming).phone)) {
      pairs.push([x[i] as PhoneTiming, y[j] as PhoneTiming]);
      i++;
      j++;
    } else if (((dp[i + 1] as Int32Array)[j] as number) >= ((dp[i] as Int32Array)[j + 1] as number)) i++;
    else j++;
  }
  return pairs;
}

/**
 * For every phone `track` shares with `reference` (paired by `matchPhones`), how much later it
 * starts in `track`, ms (negative: earlier), and how many of `reference`'s phones found no partner.
 */
export function phoneStartOffsets(
  reference: readonly PhoneTiming[],
  track: readonly PhoneTiming[],
): { offsets: number[]; unmatched: number } {
  const pairs = matchPhones(reference, track);
  const offsets = pairs.map(([r, t]) => t.startMs - r.startMs);
  return { offsets, unmatched: reference.filter((p) => p.phone !== 'pau').length - pairs.length };
}
