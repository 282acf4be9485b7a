import type { TurnObservation } from './scripted-conversation.js';
import type { Expectation, ReplyExpectation } from './suite-schema.js';

/** One expectation a turn did not meet: the field, what the file asks for, what happened. */
export interface FieldMismatch {
  field: string;
  expected: string;
  actual: string;
}

/**
 * A text to find in a reply: `/pattern/flags` is a regular expression, anything else a literal
 * substring. Throws for a pattern that does not compile.
 */
export function textMatcher(text: string): { test(reply: string): boolean; describe: string } {
  const m = /^\/(.*)\/([dgimsuvy]*)$/s.exec(text);
  if (m) {
    const pattern = new RegExp(m[1] ?? '', m[2]);
    return { test: (reply) => pattern.test(reply), describe: `to match ${pattern}` };
  }
  return { test: (reply) => reply.includes(text), describe: `to contain ${JSON.stringify(text)}` };
}

/** `matches:` is a regular expression with or without its slashes. */
export function regexMatcher(source: string): { test(reply: string): boolean; describe: string } {
  return /^\/.*\/[dgimsuvy]*$/s.test(source) ? textMatcher(source) : textMatcher(`/${source}/`);
}

/** Every field of `expect` that the turn did not meet, in the order the format lists them. */
export function checkTurn(expect: Expectation, actual: TurnObservation): FieldMismatch[] {
  const out: FieldMismatch[] = [];
  const add = (field: string, expected: string, got: string) => out.push({ field, expected, actual: got });

  if (expect.intent !== undefined && expect.intent !== actual.intent) {
    add(
      'intent',
      expect.intent ?? '(none)',
      `${actual.intent ?? '(none)'} (confidence ${actual.confidence.toFixed(2)})`,
    );
  }
  if (expect.entities) {
    const missing = Object.entries(expect.entities).filter(
      ([entity, value]) => !actual.entities.some((e) => e.entity === entity && e.value === value),
    );
    if (missing.length > 0) {
      add('entities', missing.map(([e, v]) => `${e}=${v}`).join(', '), describeEntities(actual.entities));
    }
  }
  if (expect.reply !== undefined) {
    const failed = replyMismatches(expect.reply, actual.reply);
    if (failed.length > 0) add('reply', failed.join(' and '), JSON.stringify(actual.reply));
  }
  if (expect.answeredBy !== undefined && expect.answeredBy !== actual.answeredBy) {
    add('answeredBy', expect.answeredBy, actual.answeredBy ?? '(no answer)');
  }
  // A source names a page and its section (`knowledge/returns.md#Exchanges`); the page is enough.
  if (
    expect.source !== undefined &&
    expect.source !== actual.source &&
    expect.source !== actual.source?.split('#')[0]
  ) {
    add('source', expect.source, actual.source ?? '(no knowledge page)');
  }
  if (expect.flow !== undefined) {
    const flow = actual.flow;
    const wrong =
      expect.flow === null
        ? flow !== null
        : flow === null ||
          (expect.flow.name !== undefined && expect.flow.name !== flow.name) ||
          (expect.flow.status !== undefined && expect.flow.status !== flow.status) ||
          (expect.flow.awaiting !== undefined && expect.flow.awaiting !== flow.awaiting);
    if (wrong) add('flow', describeFlow(expect.flow), describeFlow(flow));
  }
  if (expect.slots) {
    const missing = Object.entries(expect.slots).filter(([slot, value]) => actual.slots[slot] !== value);
    if (missing.length > 0) {
      const slots = Object.entries(actual.slots).map(([s, v]) => `${s}=${v}`);
      add('slots', missing.map(([s, v]) => `${s}=${v}`).join(', '), slots.join(', ') || '(none)');
    }
  }
  if (expect.handoff !== undefined && expect.handoff !== (actual.handoff !== null)) {
    add('handoff', String(expect.handoff), actual.handoff ? `true (${actual.handoff})` : 'false');
  }
  if (expect.ended !== undefined && expect.ended !== actual.ended)
    add('ended', String(expect.ended), String(actual.ended));
  return out;
}

/** What of a reply expectation failed, each as "to contain …" / "to match …" / "to be …". */
function replyMismatches(expect: ReplyExpectation, reply: string): string[] {
  if (typeof expect === 'string') {
    const m = textMatcher(expect);
    return m.test(reply) ? [] : [m.describe];
  }
  const checks = [
    ...(expect.contains === undefined ? [] : [expect.contains].flat().map(textMatcher)),
    ...(expect.matches === undefined ? [] : [regexMatcher(expect.matches)]),
    ...(expect.is === undefined
      ? []
      : [{ test: (r: string) => r === expect.is, describe: `to be ${JSON.stringify(expect.is)}` }]),
  ];
  return checks.filter((c) => !c.test(reply)).map((c) => c.describe);
}

function describeEntities(entities: TurnObservation['entities']): string {
  return entities.map((e) => `${e.entity}=${e.value}`).join(', ') || '(none)';
}

function describeFlow(flow: { name?: string; status?: string; awaiting?: string } | null): string {
  if (flow === null) return '(no flow)';
  const parts = [
    flow.name ?? '(any flow)',
    flow.status,
    flow.awaiting ? `awaiting ${flow.awaiting}` : undefined,
  ];
  return parts.filter(Boolean).join(' ');
}
