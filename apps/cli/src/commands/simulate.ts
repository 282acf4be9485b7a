import { writeFile } from 'node:fs/promises';
import { loadAgent } from '@visemo/dialogue';
import { FliteSynthesizer } from '@visemo/speech';
import { InputError, parseCommandArgs, requireString, UsageError } from '../args.js';
import { loadCallerScript } from '../simulator/load-script.js';
import { randomCallers } from '../simulator/random-callers.js';
import { runCaller, type SimulatedCaller } from '../simulator/run-caller.js';
import type { CallerSpec } from '../simulator/script-schema.js';
import { experienceTable, summarizeTurns, turnLine } from '../simulator/simulate-report.js';

const HELP = `visemo simulate --server URL (--script FILE | --agent DIR [--callers N]) [options]

Plays callers against a running server over the WebSocket protocol, each speaking its lines in a
Flite voice into the server's speech recognizer at real-time pace (docs/simulate.md), and prints
what they experienced: time to first audio, whether the answer matched what they meant,
misunderstood turns, barge-ins honoured, pauses waited for, hand-offs.

  --server URL          the server, e.g. http://127.0.0.1:8080 (ws:// and wss:// too)
  --script FILE         scripted callers: a simulation script (callers:) or a dialogue test file
                        (conversations:, docs/dialogue-tests.md)
  --agent DIR           random callers from the agent's own intents and out-of-scope lines
  --callers N           how many random callers (default 2); --turns N lines each (default 3)
  --seed N              for the random callers and the noise (default 1)
  --snr DB              mix white noise in at this signal-to-noise ratio (callers without their own)
  --barge-in-rate R     share of random turns that talk over the previous answer (default 0.3)
  --pause-rate R        share of random turns with a pause mid-sentence (default 0.2)
  --out-of-domain-rate R  share of random turns the agent should not answer (default 0.2)
  --api-key KEY         get a session token per caller with POST /v1/tokens; --token T: use T;
                        neither: the server's dev token (GET /v1/dev-token), or none
  --json                print the callers' turns as JSON instead of the table
  --events FILE         write every event each caller received as JSON lines (caller, atMs, event)

Exit code 0 when every turn went as expected, 1 when one did not or a caller could not connect.`;

export async function simulateCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      server: { type: 'string' },
      script: { type: 'string' },
      agent: { type: 'string' },
      callers: { type: 'string' },
      turns: { type: 'string' },
      seed: { type: 'string' },
      snr: { type: 'string' },
      'barge-in-rate': { type: 'string' },
      'pause-rate': { type: 'string' },
      'out-of-domain-rate': { type: 'string' },
      'api-key': { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean' },
      events: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const server = serverUrls(requireString(values.server, '--server'));
  if ((values.script === undefined) === (values.agent === undefined))
    throw new UsageError('give --script FILE or --agent DIR (one of them)');
  const seed = number(values.seed, '--seed', 1, 0, 2 ** 31);
  const snrDb = values.snr === undefined ? undefined : number(values.snr, '--snr', 0, -10, 60);
  let callers: CallerSpec[];
  if (values.script) {
    callers = (await loadCallerScript(values.script)).map((c) =>
      c.snrDb === undefined && snrDb !== undefined ? { ...c, snrDb } : c,
    );
  } else {
    const { spec } = await loadAgent(requireString(values.agent, '--agent'));
    callers = randomCallers(spec, {
      callers: number(values.callers, '--callers', 2, 1, 100),
      turns: number(values.turns, '--turns', 3, 1, 50),
      seed,
      bargeInRate: number(values['barge-in-rate'], '--barge-in-rate', 0.3, 0, 1),
      pauseRate: number(values['pause-rate'], '--pause-rate', 0.2, 0, 1),
      outOfDomainRate: number(values['out-of-domain-rate'], '--out-of-domain-rate', 0.2, 0, 1),
      snrDb,
    });
  }
  const token = await tokenSource(server.http, values['api-key'], values.token);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const show = values.json ? log : (line: string) => process.stdout.write(`${line}\n`);
  log(`${callers.length} callers, ${callers.reduce((n, c) => n + c.steps.length, 0)} turns, on ${server.ws}`);

  const synthesizer = new FliteSynthesizer();
  let results: SimulatedCaller[];
  try {
    results = await Promise.all(
      callers.map((caller, i) =>
        runCaller(caller, i, {
          wsUrl: server.ws,
          token,
          synthesizer,
          seed,
          keepEvents: values.events !== undefined,
          onTurn: (spec, turn, index) => show(turnLine(spec.name, spec.voice ?? 'slt', turn, index)),
        }),
      ),
    );
  } finally {
    await synthesizer.close();
  }
  if (values.events) {
    const lines = results.flatMap((r) =>
      (r.events ?? []).map((e) => JSON.stringify({ caller: r.name, ...e })),
    );
    await writeFile(values.events, lines.length > 0 ? `${lines.join('\n')}\n` : '');
    for (const r of results) delete r.events;
    log(`events: ${values.events}`);
  }
  for (const failed of results.filter((r) => r.failure)) log(`${failed.name}: ${failed.failure}`);
  const total = summarizeTurns(results.flatMap((r) => r.turns));
  if (values.json) process.stdout.write(`${JSON.stringify({ callers: results, total }, null, 2)}\n`);
  else process.stdout.write(`\n${experienceTable(results)}\n`);
  const ok = results.every((r) => !r.failure) && total.asExpected === total.turns && total.turns > 0;
  log(`${total.asExpected} of ${total.turns} turns as expected`);
  return ok ? 0 : 1;
}

/** The server's HTTP origin and WebSocket base from any of http(s):// and ws(s)://. */
function serverUrls(value: string): { http: string; ws: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--server takes a URL such as http://127.0.0.1:8080, got "${value}"`);
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol))
    throw new UsageError(`--server takes http(s):// or ws(s)://, got "${value}"`);
  return { http: `${secure ? 'https' : 'http'}://${url.host}`, ws: `${secure ? 'wss' : 'ws'}://${url.host}` };
}

function number(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`${flag} takes a number from ${min} to ${max}, got "${value}"`);
  return n;
}

/** How each caller gets its session token (docs/protocol.md, Authentication). */
async function tokenSource(
  origin: string,
  apiKey: string | undefined,
  token: string | undefined,
): Promise<(subject: string) => Promise<string | undefined>> {
  if (token) return async () => token;
  if (apiKey) {
    return async (subject) => {
      const response = await fetch(`${origin}/v1/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ subject }),
      });
      if (!response.ok) throw new InputError(`POST /v1/tokens: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { token: string }).token;
    };
  }
  let devToken: Response;
  try {
    devToken = await fetch(`${origin}/v1/dev-token`);
  } catch (error) {
    throw new InputError(`cannot reach ${origin}: ${(error as Error).message}`);
  }
  // No dev mode: an open server takes sockets without a token; a closed one says so on connect.
  if (!devToken.ok) return async () => undefined;
  return async () => ((await (await fetch(`${origin}/v1/dev-token`)).json()) as { token: string }).token;
}
