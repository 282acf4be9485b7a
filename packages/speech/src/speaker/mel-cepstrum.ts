import { fft } from '../echo/fft.js';

/** 25 ms windows every 10 ms, the usual speech analysis frame. */
const WINDOW_SECONDS = 0.025;
const HOP_SECONDS = 0.01;
/** Mel bands between these edges, in Hz: the whole band a 16 kHz microphone passes. */
const LOW_HZ = 100;
const HIGH_HZ = 7600;
const BANDS = 26;
/** Cepstral coefficients kept after c0 (c0 is loudness, which says where the person stands, not who). */
export const CEPSTRA = 19;
/** First-order pre-emphasis, so the formants above 1 kHz weigh as much as the first. */
const PRE_EMPHASIS = 0.97;
/** Floor of a band's energy relative to the frame's loudest, so a silent band is no -Infinity. */
const BAND_FLOOR = 1e-8;

function melOf(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

function hzOf(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

interface Analysis {
  window: Float64Array;
  size: number;
  /** Per band: the first FFT bin and the triangle's weights from it. */
  bands: { first: number; weights: Float64Array }[];
  /** DCT-II rows c1..cK, orthonormal. */
  dct: Float64Array[];
}

const analyses = new Map<number, Analysis>();

function analysisAt(rate: number): Analysis {
  const known = analyses.get(rate);
  if (known) return known;
  const length = Math.round(rate * WINDOW_SECONDS);
  let size = 1;
  while (size < length) size <<= 1;
  const window = Float64Array.from(
    { length },
    (_, i) => 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (length - 1)),
  );
  const high = Math.min(HIGH_HZ, rate / 2);
  const edges = Array.from({ length: BANDS + 2 }, (_, i) =>
    hzOf(melOf(LOW_HZ) + ((melOf(high) - melOf(LOW_HZ)) * i) / (BANDS + 1)),
  );
  const binHz = rate / size;
  const bands = Array.from({ length: BANDS }, (_, b) => {
    const [lo, mid, hi] = [edges[b] as number, edges[b + 1] as number, edges[b + 2] as number];
    const first = Math.ceil(lo / binHz);
    const last = Math.floor(hi / binHz);
    const weights = Float64Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => {
      const hz = (first + i) * binHz;
      return hz <= mid ? (hz - lo) / (mid - lo) : (hi - hz) / (hi - mid);
    });
    return { first, weights };
  });
  const dct = Array.from({ length: CEPSTRA }, (_, k) =>
    Float64Array.from(
      { length: BANDS },
      (_, b) => Math.sqrt(2 / BANDS) * Math.cos((Math.PI * (k + 1) * (b + 0.5)) / BANDS),
    ),
  );
  const analysis = { window, size, bands, dct };
  analyses.set(rate, analysis);
  return analysis;
}

/** The hop between two frames at `rate`, in samples. */
export function cepstrumHop(rate: number): number {
  return Math.round(rate * HOP_SECONDS);
}

/**
 * Mel-frequency cepstra c1..c19 of every 10 ms frame (natural-log band energies, orthonormal DCT,
 * so the Euclidean distance of two cepstra is the RMS difference of their log spectra in nepers),
 * and each frame's log energy for telling speech from pauses.
 */
export function melCepstra(
  samples: ArrayLike<number>,
  rate: number,
): { cepstra: Float64Array[]; energy: number[] } {
  const { bands, energy } = melBands(samples, rate);
  const { dct } = analysisAt(rate);
  const logBands = new Float64Array(BANDS);
  const cepstra = bands.map((power) => {
    const floor = Math.max(...power) * BAND_FLOOR || BAND_FLOOR;
    for (let b = 0; b < BANDS; b++) logBands[b] = Math.log(Math.max(power[b] as number, floor));
    return Float64Array.from(dct, (row) => row.reduce((s, w, b) => s + w * (logBands[b] as number), 0));
  });
  return { cepstra, energy };
}

/** Mel band powers and log energy of every frame. */
function melBands(samples: ArrayLike<number>, rate: number): { bands: Float64Array[]; energy: number[] } {
  const { window, size, bands: filters } = analysisAt(rate);
  const hop = cepstrumHop(rate);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  const bands: Float64Array[] = [];
  const energy: number[] = [];
  for (let start = 0; start + window.length <= samples.length; start += hop) {
    re.fill(0);
    im.fill(0);
    let previous = start > 0 ? (samples[start - 1] as number) : 0;
    let power = 0;
    for (let i = 0; i < window.length; i++) {
      const x = samples[start + i] as number;
      re[i] = (x - PRE_EMPHASIS * previous) * (window[i] as number);
      previous = x;
      power += x * x;
    }
    fft(re, im);
    bands.push(
      Float64Array.from(filters, (band) => {
        let sum = 0;
        for (let i = 0; i < band.weights.length; i++) {
          const bin = band.first + i;
          sum += (band.weights[i] as number) * ((re[bin] as number) ** 2 + (im[bin] as number) ** 2);
        }
        return sum;
      }),
    );
    energy.push(Math.log(power / window.length + 1));
  }
  return { bands, energy };
}
