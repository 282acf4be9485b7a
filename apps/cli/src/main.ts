import { AgentDefinitionError, VisemoError } from '@visemo/core';
import { InputError, UsageError } from './args.js';

const USAGE = `visemo — real-time AI avatars

Usage:
  visemo serve --agent DIR [--port N] [--host H]      serve the agent's web app and WebSocket API
  visemo chat --agent DIR [--json]                    talk to the agent by typing
  visemo say TEXT -o OUT.wav [--visemes OUT.json] [--voice NAME]
                                                      synthesize speech with its viseme track
  visemo test --agent DIR [--spoken] [--junit OUT.xml] run the agent's dialogue tests (tests/*.yaml)
  visemo check [--sentences FILE] [--voices LIST] [--junit OUT.xml] [--json]
                                                      lip-sync, loudness, clipping and silence of every voice
  visemo simulate --server URL (--script FILE | --agent DIR [--callers N])
                                                      play spoken callers against a running server
  visemo transcribe FILE.wav --agent DIR [--json]     recognise a recording with the agent's grammar
  visemo data export|erase --subject ID | purge       export, erase or purge stored personal data
  visemo trace [--server URL | --file F] [--svg OUT]  per-turn latency waterfalls of recent traces
  visemo models list|promote|rollback …               the model registry: versions, promotions
  visemo curate export|train --agent DIR …            retrain the NLU from reviewed transcripts
  visemo drift --agent DIR [--window 24h] [--by-flag F]  drift of user signals against a baseline
  visemo cost --prices FILE [--usage FILE] [--sessions-per-day N] [--peak-concurrent N] [--svg OUT]
                                                      monthly cost and the capacity for a peak

Run "visemo COMMAND --help" for a command's options.`;

type Command = (argv: string[]) => Promise<number>;

// Loaded on demand: `say` need not start the recognizer or load the server.
const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  chat: async () => (await import('./commands/chat.js')).chatCommand,
  say: async () => (await import('./commands/say.js')).sayCommand,
  test: async () => (await import('./commands/test.js')).testCommand,
  check: async () => (await import('./commands/check.js')).checkCommand,
  simulate: async () => (await import('./commands/simulate.js')).simulateCommand,
  transcribe: async () => (await import('./commands/transcribe.js')).transcribeCommand,
  data: async () => (await import('./commands/data.js')).dataCommand,
  trace: async () => (await import('./commands/trace.js')).traceCommand,
  models: async () => (await import('./commands/models.js')).modelsCommand,
  curate: async () => (await import('./commands/curate.js')).curateCommand,
  drift: async () => (await import('./commands/drift.js')).driftCommand,
  cost: async () => (await import('./commands/cost.js')).costCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`visemo: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    const command = await load();
    return await command(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`visemo ${name}: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof InputError) {
      process.stderr.write(`visemo ${name}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof AgentDefinitionError) {
      process.stderr.write(`visemo ${name}: the agent definition has errors:\n${error.message}\n`);
      return 1;
    }
    if (error instanceof VisemoError) {
      process.stderr.write(`visemo ${name}: ${error.message} (${error.code})\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
