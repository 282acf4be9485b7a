import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import {
  DEFAULT_DRIFT_BASELINE_MS,
  DEFAULT_DRIFT_WINDOW_MS,
  driftSvg,
  driftTable,
  measureDrift,
  parseWindow,
  trailingWindows,
} from '@visemo/server';
import { parseCommandArgs, parseCount, requireString, UsageError } from '../args.js';
import { openConfiguredStorage, storageLocation } from '../storage-config.js';

const HELP = `visemo drift --agent DIR [--database URL | --data-dir DIR] [--window 24h | FROM..TO]
             [--baseline 7d | FROM..TO] [--until TIME] [--by-flag NAME] [--min-count N]
             [--json] [--svg OUT.svg]

Compares the agent's user signals in a recent window with a baseline, from stored telemetry (no
text, no subject ids): the intent mix and each intent's confidence distribution by population
stability index (PSI; 0.1 warn, 0.25 alert), and the rates of not understood, hand-off, speech
the recognizer rejected, barge-in and thumbs-down by a two-proportion z-test (docs/operations.md).
  --agent DIR       the agent folder (its name is the agent's id), or the id itself
  --database URL    a PostgreSQL server (default DATABASE_URL); VISEMO_MASTER_KEY as for serve
  --data-dir DIR    the embedded database's directory (default ./data; not while a server uses it)
  --window W        the current window: a duration ending at --until (default 24h), or FROM..TO
  --baseline B      a duration just before the window (default 7d), or FROM..TO
  --until TIME      where a duration window ends (ISO 8601; default now)
  --by-flag NAME    split every signal by the sessions' variant of this flag (e.g. renderer3d,
                    or model.nlu for the NLU model version)
  --min-count N     fewer observations than N in a window give no level (default 30)
  --json            the report as JSON instead of a table
  --svg FILE        also draw baseline against current for every signal`;

export async function driftCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      agent: { type: 'string' },
      database: { type: 'string' },
      'data-dir': { type: 'string' },
      window: { type: 'string' },
      baseline: { type: 'string' },
      until: { type: 'string' },
      'by-flag': { type: 'string' },
      'min-count': { type: 'string' },
      json: { type: 'boolean' },
      svg: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const agent = basename(resolve(requireString(values.agent, '--agent')));
  if (values.database && values['data-dir'])
    throw new UsageError('--database and --data-dir exclude each other');
  const until = values.until === undefined ? new Date() : new Date(values.until);
  if (Number.isNaN(until.getTime()))
    throw new UsageError(`--until must be an ISO 8601 time, got "${values.until}"`);
  const windows = (() => {
    try {
      const defaults = trailingWindows(until, DEFAULT_DRIFT_WINDOW_MS, DEFAULT_DRIFT_BASELINE_MS);
      const current = values.window ? parseWindow(values.window, until) : defaults.current;
      const baseline = values.baseline
        ? parseWindow(values.baseline, current.since)
        : {
            since: new Date(current.since.getTime() - DEFAULT_DRIFT_BASELINE_MS),
            until: current.since,
          };
      return { current, baseline };
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  })();
  const minCount = parseCount(values['min-count'], '--min-count', 30);
  const byFlag = values['by-flag'];
  const config = {
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    ...(values.database ? { databaseUrl: values.database } : {}),
  };
  process.stderr.write(`… opening ${storageLocation(config)}\n`);
  const storage = await openConfiguredStorage(config);
  try {
    process.stderr.write(`… reading ${agent}'s telemetry${byFlag ? ` by ${byFlag}` : ''}\n`);
    const started = performance.now();
    const report = await measureDrift(storage.telemetry, {
      agent,
      ...windows,
      minCount,
      ...(byFlag ? { byFlag } : {}),
    });
    process.stderr.write(`… compared in ${Math.round(performance.now() - started)} ms\n`);
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : driftTable(report));
    if (values.svg) {
      writeFileSync(values.svg, driftSvg(report));
      process.stderr.write(`picture written to ${values.svg}\n`);
    }
    return 0;
  } finally {
    await storage.close();
  }
}
