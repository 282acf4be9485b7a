import { availableParallelism } from 'node:os';
import {
  createEmbeddedRuntime,
  createServer,
  DEFAULT_DRIFT_INTERVAL_MS,
  drainServer,
  RedisCoordination,
  readTlsCredentials,
  securityFromEnvironment,
  windowDurationMs,
} from '@visemo/server';
import { parseCommandArgs, parseCount, parsePort, requireString, UsageError } from '../args.js';
import { startOperations } from '../operations.js';
import { CAPACITY_FLAGS, CAPACITY_HELP, parseCapacity, withConnectionLimits } from '../serve-capacity.js';
import { openServeStorage } from '../serve-storage.js';

const HELP = `visemo serve --agent DIR [--port N] [--host H] [--tts-cache-mb N] [--speakers N]
                    [--recognizer-threads N] [--insecure] [--data-dir DIR | --no-storage]
                    [--max-sessions N] [--tls-cert FILE --tls-key FILE] …

Serves the agent: the web app at /, the WebSocket protocol at /v1/ws (docs/protocol.md).
  --agent DIR               the agent folder (agent.yaml, knowledge/)
  --port N                  TCP port (default 8080; 0 picks a free one)
  --host H                  address to listen on (default 127.0.0.1; 0.0.0.0 for all)
  --tts-cache-mb N          memory for sentences already synthesized (default 32; 0: none)
  --speakers N              people who may start talking at the same moment without waiting
                            for a speech decoder to be made (default 8; about 25 MB each)
  --recognizer-threads N    decode speech on N worker threads, 0 on the main thread
                            (default 2, or 0 on a single core)
  --insecure                on a host other machines reach, serve without authentication
                            when no keys are set (docs/security.md)
  --data-dir DIR            the embedded database's directory (default ./data); DATABASE_URL
                            names a PostgreSQL server instead (docs/storage.md)
  --no-storage              keep nothing beyond each session: no consent, resume or memory
  --drift-interval D        how often to measure drift of the user signals for /metrics
                            (last 24 h against the 7 days before; default 1h; off: never)

${CAPACITY_HELP}

Sessions need a token: VISEMO_TOKEN_SECRET and VISEMO_API_KEYS give them out through
POST /v1/tokens; on 127.0.0.1 without them, pages of this machine get one from /v1/dev-token.`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      agent: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'tts-cache-mb': { type: 'string' },
      'recognizer-threads': { type: 'string' },
      speakers: { type: 'string' },
      insecure: { type: 'boolean' },
      ...CAPACITY_FLAGS,
      'data-dir': { type: 'string' },
      'no-storage': { type: 'boolean' },
      'drift-interval': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const agentDir = requireString(values.agent, '--agent');
  const port = parsePort(values.port, 8080);
  const host = values.host ?? '127.0.0.1';
  const cacheMb = parseCount(values['tts-cache-mb'], '--tts-cache-mb', 32);
  // Decoding on worker threads keeps it off the event loop that carries every session's audio.
  const recognizerThreads = parseCount(
    values['recognizer-threads'],
    '--recognizer-threads',
    availableParallelism() >= 2 ? 2 : 0,
  );
  const speakers = parseCount(values.speakers, '--speakers', 8);
  const capacity = parseCapacity(values);
  const driftIntervalMs = parseDriftInterval(values['drift-interval']);
  const https = capacity.tls ? await readTlsCredentials(capacity.tls) : undefined;
  // Before the agent loads: a server that must not start says so at once.
  const security = securityFromEnvironment(process.env, { host, insecure: values.insecure ?? false });
  for (const note of security.notes) process.stderr.write(`… ${note}\n`);

  const started = performance.now();
  const { runtime, agent, warnings, onProviderEvent, breakers, close } = await createEmbeddedRuntime(
    agentDir,
    {
      onProgress: (step) => process.stderr.write(`… ${step}\n`),
      synthesisCacheBytes: cacheMb * 1024 * 1024,
      recognizerThreads,
      warmDecoders: Math.max(1, speakers),
      prerender: true,
    },
  );
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  const storage = values['no-storage']
    ? null
    : await openServeStorage(runtime, values['data-dir'], (line) => process.stderr.write(`${line}\n`));
  // Replicas of one service share Redis (docs/deployment.md); without it this is the only one.
  const redisUrl = process.env.REDIS_URL?.trim();
  const coordination = redisUrl
    ? await RedisCoordination.connect({
        url: redisUrl,
        ...(process.env.VISEMO_REDIS_PREFIX ? { prefix: process.env.VISEMO_REDIS_PREFIX } : {}),
      })
    : null;
  if (coordination) {
    process.stderr.write(`… replica ${coordination.replicaId}, sharing sessions through Redis\n`);
    if (!process.env.DATABASE_URL)
      process.stderr.write(
        'warning: REDIS_URL without DATABASE_URL: each replica keeps its own database, so a session resumes only where it began\n',
      );
  }
  const ops = await startOperations({
    agentDir,
    spec: agent.spec,
    runtime,
    storage: storage?.storage ?? null,
    log: (line) => process.stderr.write(`… ${line}\n`),
  });
  process.stderr.write('… building the web app\n');
  const { buildWebApp } = await import('@visemo/web');
  const web = await buildWebApp();
  const app = await createServer({
    runtime,
    webRoot: web.outDir,
    onProviderEvent,
    breakers,
    logger: { level: process.env.LOG_LEVEL ?? 'info' },
    ...withConnectionLimits(security.options, capacity.connectionLimits),
    ...capacity.server,
    ...(https ? { https } : {}),
    ...(storage ? { storage: storage.storage } : {}),
    ...(storage && driftIntervalMs !== null ? { drift: { intervalMs: driftIntervalMs } } : {}),
    tracing: ops.tracing,
    flags: ops.flags,
    ...(ops.models ? { models: ops.models } : {}),
    ...(coordination ? { coordination } : {}),
  });
  const address = await app.listen({ port, host });
  process.stderr.write(
    `${agent.spec.persona.name} is ready in ${Math.round(performance.now() - started)} ms: ${address.replace('0.0.0.0', 'localhost')}/\n`,
  );

  await new Promise<void>((resolve) => {
    const stop = () => {
      // A second signal stops at once: the handlers are gone, the default action remains.
      process.stderr.write('stopping: finishing the live turns…\n');
      void drainServer(app, { deadlineMs: capacity.drainDeadlineMs })
        .then(() => ops.close())
        .then(() => coordination?.close())
        .then(() => storage?.close())
        .then(close)
        .then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

/** `--drift-interval`: a duration, or `off`; null when drift is not measured. */
function parseDriftInterval(value: string | undefined): number | null {
  if (value === undefined) return DEFAULT_DRIFT_INTERVAL_MS;
  if (value === 'off') return null;
  try {
    return windowDurationMs(value);
  } catch (error) {
    throw new UsageError(`--drift-interval: ${(error as Error).message}, or off`);
  }
}
