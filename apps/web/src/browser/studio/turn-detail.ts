import { byId, element } from '../dom.js';
import type { DebugTurn, FlowStep } from './debugger-api.js';

/** How a turn's input reads in the timeline and the detail's heading. */
export const INPUT_NAMES: Record<DebugTurn['input'], string> = {
  greeting: 'greeting',
  speech: 'spoken',
  text: 'typed',
};

export function flowText(flow: FlowStep | null): string | null {
  if (!flow) return null;
  return `${flow.name} · ${flow.status}${flow.awaiting ? ` ${flow.awaiting}` : ''}`;
}

export function percent(confidence: number | null | undefined): string {
  return confidence === null || confidence === undefined ? '—' : `${Math.round(confidence * 100)}%`;
}

/**
 * Fills the detail panel's parts that come from the record alone: the words and the recognizer's
 * decision, the intent ranking with its bars, the entities, the path that answered, the reply
 * and the waterfall. Audio and the replay are the page's.
 */
export function showTurnRecord(turn: DebugTurn): void {
  byId('detail-title').textContent =
    `Turn ${turn.turnIndex} · ${INPUT_NAMES[turn.input]} · ${new Date(turn.startedAt).toLocaleTimeString()}`;

  const said = byId('user-text');
  said.textContent =
    turn.input === 'greeting'
      ? 'Nothing: the agent spoke first.'
      : (turn.userText ?? 'Not kept (no consent to transcripts after the session, or past retention).');
  if (turn.speaker && turn.input !== 'greeting')
    said.textContent = `${turn.speaker.name}: ${said.textContent}`;
  said.classList.toggle('muted', turn.input === 'greeting' || turn.userText === null);
  const asr = turn.asr;
  byId('asr-decision').textContent = asr
    ? `Heard by ${asr.provider ?? 'the recognizer'}: ${
        asr.understood === false || asr.rejected ? 'not matched to anything it knows' : 'matched'
      }${asr.confidence === undefined ? '' : `, ${percent(asr.confidence)} sure`}.${
        turn.audio ? '' : ' No recording kept (no consent to audio).'
      }`
    : '';

  showRanking(turn);
  const entities = byId('entities');
  entities.replaceChildren();
  if (turn.nlu.entities.length === 0) entities.append(element('span', 'muted', 'No entities.'));
  for (const e of turn.nlu.entities) entities.append(element('span', 'chip', `${e.entity} = ${e.value}`));

  const path = byId('path');
  path.replaceChildren();
  const fact = (term: string, value: string | null) => {
    if (value === null || value === '') return;
    path.append(element('dt', undefined, term), element('dd', undefined, value));
  };
  fact('Answered by', turn.path.answeredBy ?? 'nothing (the turn stopped first)');
  fact('Intent', turn.path.intent);
  fact('Flow step', flowText(turn.path.flow));
  fact('Knowledge page', turn.path.knowledge);
  fact('Language model', turn.path.llm);
  if (turn.path.handedOff) fact('Hand-off', 'to a person');
  if (turn.feedback) fact('Rated', turn.feedback === 'up' ? 'helpful' : 'not helpful');

  const reply = byId('reply-text');
  reply.textContent = turn.reply.text ?? 'Not kept.';
  reply.classList.toggle('muted', turn.reply.text === null);
  const facts = byId('reply-facts');
  facts.replaceChildren();
  if (turn.reply.interrupted)
    facts.append(element('span', 'chip warn', 'interrupted: the text is what was heard'));
  if (turn.reply.voice) facts.append(element('span', 'chip', `voice ${turn.reply.voice}`));
  for (const e of turn.reply.expressions)
    facts.append(element('span', 'chip', `${e.expression} ${Math.round(e.intensity * 100)}%`));
  if (turn.reply.visemes.length > 0)
    facts.append(
      element('span', 'chip', `${turn.reply.visemes.filter((v) => v.viseme !== 'sil').length} mouth shapes`),
    );

  const waterfall = byId('waterfall');
  // The server's own SVG (its text escaped there); a turn without hops says so instead.
  if (turn.waterfallSvg) waterfall.innerHTML = turn.waterfallSvg;
  else waterfall.replaceChildren(element('p', 'muted', 'No hop of this turn was timed.'));
}

function showRanking(turn: DebugTurn): void {
  const list = byId('ranking');
  list.replaceChildren();
  const ranking =
    turn.nlu.ranking.length > 0
      ? turn.nlu.ranking
      : turn.nlu.intent
        ? [{ intent: turn.nlu.intent, confidence: turn.nlu.confidence ?? 0 }]
        : [];
  if (ranking.length === 0) {
    list.append(element('li', 'muted', turn.input === 'greeting' ? 'Nothing to understand.' : 'No intent.'));
    return;
  }
  for (const [i, score] of ranking.entries()) {
    const row = element('li', i === 0 && score.intent === turn.nlu.intent ? 'rank chosen' : 'rank');
    const bar = element('span', 'rank-bar');
    bar.style.setProperty('--share', `${Math.max(1, Math.round(score.confidence * 100))}%`);
    bar.setAttribute('aria-hidden', 'true');
    row.append(
      element('span', 'rank-name', score.intent),
      bar,
      element('span', 'rank-value', percent(score.confidence)),
    );
    list.append(row);
  }
  if (turn.nlu.intent === null)
    list.append(element('li', 'muted', 'Below the threshold: no intent was acted on.'));
}
