import { readFileSync, writeFileSync } from 'node:fs';
import { ErrorCode, VisemoError } from '@visemo/core';
import { formatTurnWaterfall, tracedTurns, turnWaterfallSvg } from '@visemo/server';
import { parseCommandArgs, parseCount, UsageError } from '../args.js';

const HELP = `visemo trace [--server URL] [--file TRACES.json] [--turns N] [--svg OUT.svg] [--save OUT.json]

Shows where the time of recent turns went: one waterfall per turn (VAD end → ASR final → NLU →
dialogue or model → TTS first audio → audio sent, and the client's first sample and viseme).
  --server URL      a running server, whose recent traces come from GET /v1/admin/traces with
                    the admin key in VISEMO_ADMIN_KEY (default http://127.0.0.1:8080)
  --file FILE       read traces from a file instead: OTLP/JSON as the server serves it or as an
                    OpenTelemetry collector's file exporter writes it (one request per line)
  --turns N         the most recent N turns (default 5)
  --svg FILE        also draw them as an SVG picture
  --save FILE       keep the traces read from the server as OTLP/JSON`;

export async function traceCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      server: { type: 'string' },
      file: { type: 'string' },
      turns: { type: 'string' },
      svg: { type: 'string' },
      save: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values.server && values.file) throw new UsageError('--server and --file exclude each other');
  const count = parseCount(values.turns, '--turns', 5);
  const requests = values.file
    ? readRequests(values.file)
    : [await fetchTraces(values.server ?? 'http://127.0.0.1:8080', Math.max(count, 1))];
  if (values.save) writeFileSync(values.save, `${requests.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const turns = tracedTurns(...requests).slice(-Math.max(count, 1));
  if (turns.length === 0) {
    process.stderr.write('no traced turns yet\n');
    return 1;
  }
  process.stdout.write(`${turns.map((turn) => formatTurnWaterfall(turn)).join('\n\n')}\n`);
  if (values.svg) {
    writeFileSync(
      values.svg,
      turnWaterfallSvg(turns, `${turns.length} traced turn${turns.length === 1 ? '' : 's'}`),
    );
    process.stderr.write(`picture written to ${values.svg}\n`);
  }
  return 0;
}

function readRequests(file: string): unknown[] {
  const text = readFileSync(file, 'utf8').trim();
  if (text.startsWith('[')) return JSON.parse(text) as unknown[];
  try {
    return [JSON.parse(text)];
  } catch {
    // JSON lines: one ExportTraceServiceRequest per line.
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as unknown);
  }
}

async function fetchTraces(server: string, limit: number): Promise<unknown> {
  const key = process.env.VISEMO_ADMIN_KEY;
  if (!key) throw new UsageError('set VISEMO_ADMIN_KEY to the server’s admin key (or read a --file)');
  const url = new URL('/v1/admin/traces', server);
  url.searchParams.set('limit', String(limit));
  const answer = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  if (!answer.ok) {
    const body = (await answer.json().catch(() => ({}))) as { message?: string; code?: ErrorCode };
    const message = `${url.origin} answered ${answer.status}: ${body.message ?? answer.statusText}`;
    throw new VisemoError(body.code ?? ErrorCode.Internal, message);
  }
  return answer.json();
}
