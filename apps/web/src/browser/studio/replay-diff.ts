import { byId, element } from '../dom.js';
import type { OutcomeDifference, TurnOutcome, TurnReplay } from './debugger-api.js';
import { flowText, percent } from './turn-detail.js';

/** The rows of the comparison, in the order a turn happens. */
const FIELDS: { field: OutcomeDifference['field']; label: string; show(outcome: TurnOutcome): string }[] = [
  { field: 'userText', label: 'Words', show: (o) => o.userText ?? '—' },
  { field: 'intent', label: 'Intent', show: (o) => o.intent ?? 'none' },
  { field: 'confidence', label: 'Confidence', show: (o) => percent(o.confidence) },
  {
    field: 'entities',
    label: 'Entities',
    show: (o) =>
      o.entities.length > 0 ? o.entities.map((e) => `${e.entity} = ${e.value}`).join(', ') : 'none',
  },
  { field: 'answeredBy', label: 'Answered by', show: (o) => o.answeredBy ?? '—' },
  { field: 'flow', label: 'Flow step', show: (o) => flowText(o.flow) ?? 'none' },
  { field: 'source', label: 'Knowledge page', show: (o) => o.source ?? 'none' },
  { field: 'replyText', label: 'Reply', show: (o) => o.replyText ?? 'not kept' },
];

/** The recorded and replayed outcome side by side, each field that changed marked. */
export function showReplay(replay: TurnReplay): void {
  const changed = new Set(replay.differences.map((d) => d.field));
  const rows = byId('diff-rows');
  rows.replaceChildren();
  for (const { field, label, show } of FIELDS) {
    const row = element('tr', changed.has(field) ? 'changed' : undefined);
    const name = element('th', undefined, label);
    name.scope = 'row';
    if (changed.has(field)) name.append(element('span', 'chip warn', 'changed'));
    row.append(
      name,
      element('td', undefined, show(replay.recorded)),
      element('td', undefined, show(replay.replayed)),
    );
    rows.append(row);
  }
  byId('diff').hidden = false;
  const count = replay.differences.length;
  const summary = byId('replay-summary');
  const nlu = replay.nluVersion === null ? '' : ` with NLU version ${replay.nluVersion}`;
  const how =
    replay.from === 'audio' ? `The recording, heard again${nlu}, comes` : `The words, replayed${nlu}, come`;
  summary.textContent =
    count === 0
      ? `${how} out as recorded.`
      : `${how} out differently in ${count} ${count === 1 ? 'field' : 'fields'}: ${replay.differences
          .map((d) => FIELDS.find((f) => f.field === d.field)?.label.toLowerCase() ?? d.field)
          .join(', ')}.`;
  summary.classList.toggle('differs', count > 0);
}

export function clearReplay(): void {
  byId('diff').hidden = true;
  byId('diff-rows').replaceChildren();
  const summary = byId('replay-summary');
  summary.textContent = '';
  summary.classList.remove('differs');
}
