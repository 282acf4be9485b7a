import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ServerEvent } from '@visemo/server';
import { FliteSynthesizer } from '@visemo/speech';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { repoRoot } from './support/run-visemo.js';
import { type ServeProcess, startServe } from './support/serve-process.js';

/**
 * The compiled build: `npm run build`, then the server from the built JavaScript on plain Node (no
 * tsx, which could not run a `.ts` file left in the way), its speech decoded on a worker thread.
 */

const BUILT = ['--disable-warning=ExperimentalWarning', '--conditions=visemo-built', 'apps/cli/lib/main.js'];

let server: ServeProcess | undefined;

afterAll(() => {
  server?.child.kill('SIGKILL');
});

describe('the built server', () => {
  it('builds, starts without tsx, answers /health and understands speech on its recognizer thread', async () => {
    const build = await promisify(execFile)(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot });
    expect(build.stdout).toMatch(/^built \d+ modules/);

    server = await startServe(
      ['--agent', 'examples/support-agent', '--recognizer-threads', '1', '--speakers', '1'],
      {
        command: BUILT,
      },
    );
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', sessions: 0 });

    const { token } = (await (await fetch(`${server.url}/v1/dev-token`)).json()) as { token: string };
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/v1/ws`, [
      'visemo.v1',
      `visemo.token.${token}`,
    ]);
    const events: ServerEvent[] = [];
    const heard = new Promise<ServerEvent>((resolve, reject) => {
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        const event = JSON.parse(String(data)) as ServerEvent;
        events.push(event);
        if (event.type === 'transcript.final') resolve(event);
        if (event.type === 'error') reject(new Error(`${event.code}: ${event.message}`));
      });
      socket.on('error', reject);
    });
    await new Promise<void>((resolve) => socket.once('open', () => resolve()));
    socket.send(JSON.stringify({ type: 'session.start', protocol: 1, greet: false }));
    const { audio } = await new FliteSynthesizer().synthesize({ text: 'where is my order', voice: 'slt' });
    const samples = new Int16Array(audio.samples.length + 16000);
    samples.set(audio.samples, 4800);
    // As a microphone sends it: 20 ms frames at real-time pace.
    for (let at = 0; at < samples.length; at += 320) {
      socket.send(samples.slice(at, at + 320));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await heard).toMatchObject({
      type: 'transcript.final',
      text: 'where is my order',
      source: 'speech',
    });
    socket.close();
    expect(await server.stop('SIGTERM')).toBe(0);
  }, 180_000);
});
