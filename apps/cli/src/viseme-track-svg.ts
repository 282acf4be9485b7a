import type { SynthesisResult, Viseme } from '@visemo/core';

/** How open the mouth is for each viseme, 0..1: the height of its bar in the picture. */
const OPENNESS: Record<Viseme, number> = {
  sil: 0.02,
  PP: 0.05,
  FF: 0.2,
  TH: 0.3,
  DD: 0.35,
  kk: 0.4,
  CH: 0.35,
  SS: 0.25,
  nn: 0.3,
  RR: 0.4,
  aa: 1,
  E: 0.7,
  ih: 0.55,
  oh: 0.8,
  ou: 0.5,
};

/** A picture of a viseme track: the waveform, each viseme as a labelled bar, and the words. */
export function renderVisemeTrackSvg(result: SynthesisResult): string {
  const { samples, sampleRate } = result.audio;
  const durationMs = (samples.length / sampleRate) * 1000;
  const width = Math.max(800, Math.round(durationMs / 4));
  const x = (ms: number) => ((ms / durationMs) * (width - 20) + 10).toFixed(1);
  const wave: string[] = [];
  const columns = width - 20;
  const perColumn = Math.max(1, Math.floor(samples.length / columns));
  for (let c = 0; c < columns; c++) {
    let peak = 0;
    for (let i = c * perColumn; i < Math.min(samples.length, (c + 1) * perColumn); i++) {
      peak = Math.max(peak, Math.abs(samples[i] as number));
    }
    const h = (peak / 32768) * 60;
    wave.push(`M${c + 10} ${(70 - h).toFixed(1)}V${(70 + h).toFixed(1)}`);
  }
  const bars = result.visemes.map((v) => {
    const h = OPENNESS[v.viseme] * 80;
    const x0 = x(v.startMs);
    const w = Math.max(1, Number(x(v.endMs)) - Number(x0));
    const label =
      w > 14
        ? `<text x="${(Number(x0) + w / 2).toFixed(1)}" y="258" font-size="10" text-anchor="middle">${v.viseme}</text>`
        : '';
    return `<rect x="${x0}" y="${(240 - h).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="#c2410c" opacity="0.8"/>${label}`;
  });
  const words = result.words.map(
    (w) =>
      `<line x1="${x(w.startMs)}" x2="${x(w.startMs)}" y1="140" y2="160" stroke="#334155"/><text x="${x(w.startMs)}" y="154" dx="3" font-size="12">${escapeXml(w.word)}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="270" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<path d="${wave.join('')}" stroke="#2563eb" stroke-width="1"/>
${words.join('\n')}
${bars.join('\n')}
<text x="10" y="14" font-size="11" fill="#475569">waveform · words · viseme (bar height = mouth opening) · ${(durationMs / 1000).toFixed(2)} s</text>
</svg>
`;
}

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string,
  );
}
