import type { SimulatedCaller, SimulatedTurn } from './run-caller.js';

/** One line per turn, printed as it ends: what the caller said, heard, got and how fast. */
export function turnLine(caller: string, voice: string, turn: SimulatedTurn, index: number): string {
  const mark = turn.lost ? '✗' : turn.expected ? '✓' : '✗';
  const notes = [
    turn.lost ? 'no answer' : turn.understood ? `heard ${JSON.stringify(turn.heard)}` : 'not understood',
    turn.lost ? '' : `intent ${turn.intent ?? '(none)'}`,
    turn.firstAudioMs === undefined
      ? ''
      : turn.firstAudioMs < 0
        ? `answered ${-turn.firstAudioMs} ms before the caller finished`
        : `first audio ${turn.firstAudioMs} ms`,
    turn.bargeIn ? `barge-in ${turn.bargeIn}` : '',
    turn.pause ? `mid-sentence pause: ${turn.pause === 'waited' ? 'agent waited' : 'cut off'}` : '',
    turn.handoff ? `hand-off (${turn.handoff})` : '',
    ...turn.mismatches.map((m) => `${m.field}: expected ${m.expected}, got ${m.actual}`),
  ].filter(Boolean);
  return `${mark} [${caller} · ${voice}] ${index + 1}. ${JSON.stringify(turn.says)} — ${notes.join(' · ')}`;
}

/** What a set of turns added up to for the people who made them. */
export interface ExperienceSummary {
  turns: number;
  asExpected: number;
  /** Turns whose intent was not the one the caller meant, or whose words were not understood. */
  misunderstood: number;
  lost: number;
  /** Turns the agent answered before the caller had finished the line (first audio before its end). */
  answeredMidSentence: number;
  /** Over the turns answered after the caller finished. */
  firstAudioMs: { p50: number; p95: number; max: number } | null;
  bargeIns: { tried: number; honoured: number };
  pauses: { tried: number; waited: number };
  handoffs: number;
}

export function summarizeTurns(turns: readonly SimulatedTurn[]): ExperienceSummary {
  const firsts = turns
    .flatMap((t) => (t.firstAudioMs === undefined ? [] : [t.firstAudioMs]))
    .sort((a, b) => a - b);
  const at = (q: number) => firsts[Math.min(firsts.length - 1, Math.ceil(firsts.length * q) - 1)] as number;
  const barged = turns.filter((t) => t.bargeIn === 'honoured' || t.bargeIn === 'ignored');
  const paused = turns.filter((t) => t.pause);
  return {
    turns: turns.length,
    asExpected: turns.filter((t) => t.expected).length,
    misunderstood: turns.filter((t) => !t.lost && t.mismatches.some((m) => m.field === 'intent')).length,
    lost: turns.filter((t) => t.lost).length,
    answeredMidSentence: turns.filter((t) => t.firstAudioMs !== undefined && t.firstAudioMs < 0).length,
    firstAudioMs: firsts.length > 0 ? { p50: at(0.5), p95: at(0.95), max: firsts.at(-1) as number } : null,
    bargeIns: { tried: barged.length, honoured: barged.filter((t) => t.bargeIn === 'honoured').length },
    pauses: { tried: paused.length, waited: paused.filter((t) => t.pause === 'waited').length },
    handoffs: turns.filter((t) => t.handoff).length,
  };
}

/** The closing table: one row per caller and one for all of them. */
export function experienceTable(callers: readonly SimulatedCaller[]): string {
  const lines = [
    '| caller | voice | turns | as expected | misunderstood | no answer | answered mid-sentence | first audio p50 / p95 / max | barge-ins honoured | pauses waited for | hand-offs |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const row = (name: string, voice: string, s: ExperienceSummary) => {
    const first = s.firstAudioMs
      ? `${s.firstAudioMs.p50} / ${s.firstAudioMs.p95} / ${s.firstAudioMs.max} ms`
      : '—';
    const ratio = (a: { tried: number }, n: number) => (a.tried === 0 ? '—' : `${n} / ${a.tried}`);
    lines.push(
      `| ${name} | ${voice} | ${s.turns} | ${s.asExpected} | ${s.misunderstood} | ${s.lost} | ${s.answeredMidSentence} | ${first} | ${ratio(s.bargeIns, s.bargeIns.honoured)} | ${ratio(s.pauses, s.pauses.waited)} | ${s.handoffs} |`,
    );
  };
  for (const c of callers)
    row(
      c.failure ? `${c.name} (failed: ${c.failure})` : c.name,
      c.voice + (c.snrDb === undefined ? '' : `, SNR ${c.snrDb} dB`),
      summarizeTurns(c.turns),
    );
  row('**all**', '', summarizeTurns(callers.flatMap((c) => c.turns)));
  return lines.join('\n');
}
