import { createInterface } from 'node:readline';
import {
  ConversationSession,
  createEmbeddedRuntime,
  type ServerEvent,
  type TurnLatency,
} from '@visemo/server';
import { parseCommandArgs, requireString } from '../args.js';

const HELP = `visemo chat --agent DIR [--json]

Talk to the agent by typing. In a terminal it shows the intent, confidence and the latency of each
hop. When standard input is not a terminal it reads one user line at a time; with --json it writes
one JSON object per line: text, intent, confidence, entities, reply, answeredBy, source, latency.`;

export interface ChatTurnResult {
  text: string;
  intent: string | null;
  confidence: number;
  entities: { entity: string; value: string }[];
  reply: string;
  answeredBy: string | null;
  source: string | null;
  handoff: boolean;
  latency: TurnLatency;
}

export async function chatCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    { agent: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    false,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const agentDir = requireString(values.agent, '--agent');
  const json = values.json === true;
  const interactive = process.stdin.isTTY === true && !json;
  const { runtime, warnings, close } = await createEmbeddedRuntime(agentDir, { speechInput: false });
  if (interactive) for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);

  const events: ServerEvent[] = [];
  let waiter: (() => void) | null = null;
  let ended = false;
  const session = new ConversationSession(runtime, {
    sendEvent: (event) => {
      events.push(event);
      waiter?.();
    },
    sendAudio: () => {},
    close: () => {
      ended = true;
      waiter?.();
    },
  });
  const nextTurnEnd = async (): Promise<ServerEvent[]> => {
    for (;;) {
      const at = events.findIndex((e) => e.type === 'turn.end' || (e.type === 'error' && e.fatal));
      if (at >= 0) return events.splice(0, at + 1);
      if (ended) return events.splice(0);
      await new Promise<void>((resolve) => {
        waiter = resolve;
      });
      waiter = null;
    }
  };

  session.handleText(
    JSON.stringify({ type: 'session.start', protocol: 1, audio: false, greet: interactive }),
  );
  if (interactive) {
    const greeting = summarize('', await nextTurnEnd());
    process.stdout.write(`\x1b[1m${runtime.persona.name}:\x1b[0m ${greeting.reply}\n`);
  } else {
    events.splice(0);
  }

  const lines = createInterface({
    input: process.stdin,
    ...(interactive ? { output: process.stdout } : {}),
    terminal: interactive,
  });
  if (interactive) {
    lines.setPrompt('\x1b[2myou>\x1b[0m ');
    lines.prompt();
  }
  for await (const line of lines) {
    const text = line.trim();
    if (text.length === 0) {
      if (interactive) lines.prompt();
      continue;
    }
    session.handleText(JSON.stringify({ type: 'text', text }));
    const result = summarize(text, await nextTurnEnd());
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (interactive) process.stdout.write(describeTurn(runtime.persona.name, result));
    else process.stdout.write(`${result.reply}\n`);
    if (ended) break;
    if (interactive) lines.prompt();
  }
  session.close();
  lines.close();
  await close();
  return 0;
}

/** Folds a turn's protocol events into one result. */
export function summarize(text: string, events: ServerEvent[]): ChatTurnResult {
  const result: ChatTurnResult = {
    text,
    intent: null,
    confidence: 0,
    entities: [],
    reply: '',
    answeredBy: null,
    source: null,
    handoff: false,
    latency: {},
  };
  const sentences: string[] = [];
  for (const event of events) {
    if (event.type === 'nlu') {
      result.intent = event.intent;
      result.confidence = event.confidence;
      result.entities = event.entities.map(({ entity, value }) => ({ entity, value }));
    } else if (event.type === 'response.text') {
      sentences.push(event.text);
      result.answeredBy = event.answeredBy;
      result.source = event.source ?? null;
    } else if (event.type === 'handoff') {
      result.handoff = true;
    } else if (event.type === 'turn.end') {
      result.latency = event.latency;
    } else if (event.type === 'error') {
      sentences.push(`[error ${event.code}: ${event.message}]`);
    }
  }
  result.reply = sentences.join(' ');
  return result;
}

function describeTurn(name: string, r: ChatTurnResult): string {
  const dim = (s: string) => `\x1b[2m${s}\x1b[0m`;
  const entities = r.entities.map((e) => `${e.entity}=${e.value}`).join(' ');
  const hops = [
    r.latency.nluMs !== undefined ? `nlu ${r.latency.nluMs} ms` : '',
    r.latency.dialogueMs !== undefined ? `dialogue ${r.latency.dialogueMs} ms` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const meta = [
    `intent ${r.intent ?? '(out of scope)'} ${(r.confidence * 100).toFixed(0)}%`,
    entities,
    r.answeredBy ? `by ${r.answeredBy}${r.source ? ` (${r.source})` : ''}` : '',
    hops,
    r.handoff ? 'HANDOFF to a human' : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return `${dim(`  ${meta}`)}\n\x1b[1m${name}:\x1b[0m ${r.reply}\n`;
}
