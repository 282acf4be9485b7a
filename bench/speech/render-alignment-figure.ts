/**
 * Draws docs/lipsync-alignment.png: one Flite sentence's waveform under four mouth-opening tracks
 * (Flite's true phones, forced alignment, the text-only estimate, the volume-driven mouth).
 * Run: `node --import tsx bench/speech/render-alignment-figure.ts` (needs `flite` and
 * `rsvg-convert` from Debian's librsvg2-bin).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { phonesToVisemes } from '@visemo/core';
import { alignmentSamples, opennessTrack, pearson, volumeTrack } from './alignment.js';

const TEXT = 'Please move my appointment to Friday morning, maybe around ten.';
const [sample] = await alignmentSamples([TEXT]);
if (!sample) throw new Error('no sample');
const durationMs = (sample.audio.samples.length / sample.audio.sampleRate) * 1000;
const truth = opennessTrack(phonesToVisemes(sample.truth, { alphabet: 'arpabet' }), durationMs);
const tracks = [
  { name: 'Flite phones (truth)', color: '#222222', values: truth },
  { name: 'forced alignment', color: '#1f77b4', values: opennessTrack(sample.aligned.visemes, durationMs) },
  {
    name: 'text-only estimate',
    color: '#d62728',
    values: opennessTrack(sample.estimated.visemes, durationMs),
  },
  { name: 'volume (RMS)', color: '#2ca02c', values: volumeTrack(sample.audio) },
];

const width = 1400;
const left = 190;
const plotW = width - left - 20;
const rowH = 90;
const waveH = 110;
const height = 40 + waveH + tracks.length * rowH + 40;
const x = (ms: number) => left + (ms / durationMs) * plotW;
const parts: string[] = [];
parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
parts.push(
  `<text x="${left}" y="24" font-family="DejaVu Sans" font-size="17">"${TEXT}" — Flite slt, ${(durationMs / 1000).toFixed(2)} s; mouth opening = ARKit jawOpen of the viseme</text>`,
);
// Waveform: min/max per pixel column.
const top = 40;
const mid = top + waveH / 2;
const perPx = sample.audio.samples.length / plotW;
let wave = '';
for (let px = 0; px < plotW; px++) {
  let lo = 0;
  let hi = 0;
  for (let i = Math.floor(px * perPx); i < Math.floor((px + 1) * perPx); i++) {
    const v = sample.audio.samples[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  wave += `M${left + px} ${mid - (hi / 32768) * (waveH / 2) * 1.6}V${mid - (lo / 32768) * (waveH / 2) * 1.6}`;
}
parts.push(`<path d="${wave}" stroke="#888" stroke-width="1"/>`);
parts.push(`<text x="10" y="${mid + 5}" font-family="DejaVu Sans" font-size="15">waveform</text>`);
// Word boundaries from the aligner, labelled over the waveform.
for (const w of sample.aligned.words) {
  parts.push(
    `<line x1="${x(w.startMs)}" y1="${top}" x2="${x(w.startMs)}" y2="${height - 40}" stroke="#ccc" stroke-dasharray="3,3"/>`,
  );
  parts.push(
    `<text x="${x(w.startMs) + 3}" y="${top + 12}" font-family="DejaVu Sans" font-size="12" fill="#555">${w.word}</text>`,
  );
}
tracks.forEach((track, row) => {
  const y0 = top + waveH + row * rowH;
  const base = y0 + rowH - 15;
  const scale = (rowH - 25) / 0.7;
  const d = track.values
    .map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i * 10 + 5).toFixed(1)} ${(base - v * scale).toFixed(1)}`)
    .join('');
  parts.push(`<line x1="${left}" y1="${base}" x2="${left + plotW}" y2="${base}" stroke="#ddd"/>`);
  if (row > 0) {
    parts.push(
      `<path d="${truth.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i * 10 + 5).toFixed(1)} ${(base - v * scale).toFixed(1)}`).join('')}" fill="none" stroke="#bbb" stroke-width="1.5"/>`,
    );
  }
  parts.push(`<path d="${d}" fill="none" stroke="${track.color}" stroke-width="2"/>`);
  const r = row === 0 ? '' : ` (r = ${pearson(track.values, truth).toFixed(2)})`;
  parts.push(
    `<text x="10" y="${base - 25}" font-family="DejaVu Sans" font-size="15" fill="${track.color}">${track.name}</text>`,
  );
  if (r)
    parts.push(
      `<text x="10" y="${base - 7}" font-family="DejaVu Sans" font-size="13" fill="#555">${r.trim()}</text>`,
    );
});
for (let s = 0; s <= durationMs / 1000; s += 0.5) {
  parts.push(
    `<text x="${x(s * 1000) - 8}" y="${height - 18}" font-family="DejaVu Sans" font-size="12">${s.toFixed(1)} s</text>`,
  );
}
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
const out = new URL('../../docs/lipsync-alignment.png', import.meta.url).pathname;
writeFileSync(`${out}.svg`, svg);
execFileSync('rsvg-convert', ['-o', out, `${out}.svg`]);
execFileSync('rm', [`${out}.svg`]);
process.stdout.write(`wrote ${out}\n`);
