import { SPAN } from '../tracing/session-tracer.js';
import { niceScale } from '../tracing/trace-waterfall.js';
import { renderWaterfall, type WaterfallHop } from '../tracing/waterfall-svg.js';

/** The hops a stored turn's latency names, in the order they happen, with the span each stands for. */
const HOPS: { key: string; name: string; colorIndex: number }[] = [
  { key: 'asrFinalMs', name: `${SPAN.asr} (recognizer)`, colorIndex: 0 },
  { key: 'nluMs', name: `${SPAN.nlu} (intent)`, colorIndex: 1 },
  { key: 'dialogueMs', name: `${SPAN.dialogue} (reply)`, colorIndex: 2 },
  { key: 'ttsFirstAudioMs', name: `${SPAN.tts} (voice)`, colorIndex: 4 },
];

/**
 * A stored turn's latency as the trace waterfall draws it: each hop the turn had laid end to end
 * from the end of the person's input, and the time to its first audio in grey. Null when the turn
 * recorded no hop (a greeting that went out before anything was measured).
 */
export function storedTurnWaterfallSvg(
  turnIndex: number,
  latency: Readonly<Record<string, number>>,
  answeredBy: string | null = null,
): string | null {
  const hops: WaterfallHop[] = [];
  for (const hop of HOPS) {
    const ms = latency[hop.key];
    if (typeof ms !== 'number') continue;
    const name = hop.key === 'dialogueMs' && answeredBy === 'llm' ? `${SPAN.llm} (model)` : hop.name;
    hops.push({ name, p50: ms, p95: ms, colorIndex: hop.colorIndex });
  }
  if (hops.length === 0) return null;
  const laidEnd = hops.reduce((sum, hop) => sum + hop.p50, 0);
  const total = latency.speechEndToFirstAudioMs;
  const longest = Math.max(laidEnd, typeof total === 'number' ? total : 0, 1);
  return renderWaterfall(
    [
      {
        label: `turn ${turnIndex}`,
        hops,
        total: {
          name: typeof total === 'number' ? 'to the first audio sent' : 'the hops together',
          p50: typeof total === 'number' ? total : laidEnd,
          p95: typeof total === 'number' ? total : laidEnd,
        },
      },
    ],
    {
      title: `Where turn ${turnIndex}'s time went`,
      caption: "each hop laid end to end from the end of the person's input; grey: the whole",
      scaleMs: niceScale(longest),
      width: 760,
      labelWidth: 200,
    },
  );
}
