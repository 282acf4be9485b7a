import { fileURLToPath } from 'node:url';
import { createEmbeddedRuntime, createServer } from '@visemo/server';
import { generateMasterKey, openStorage } from '@visemo/storage';
import { recordConversation } from '../packages/server/test/support/recorded-conversation.js';
import { type BenchRow, percentile } from './table.js';

const agentDir = fileURLToPath(new URL('../examples/support-agent', import.meta.url));
const ADMIN_KEY = 'bench-studio-debugger-admin-key';

/**
 * What the studio's conversation debugger costs: reading one stored session with everything of
 * each turn (decrypting, the waterfall SVGs), replaying a typed turn inside a flow (the greeting
 * and the earlier turn replayed first) and a spoken one from its recording, and the sealed size of
 * a turn's details. One real conversation recorded over the WebSocket, on PGlite in memory.
 */
export async function benchStudioDebugger(quick: boolean): Promise<BenchRow[]> {
  const runs = quick ? 10 : 40;
  const embedded = await createEmbeddedRuntime(agentDir, { synthesisCacheBytes: 0 });
  const storage = await openStorage({ dataDir: 'memory://', masterKey: generateMasterKey() });
  const app = await createServer({ runtime: embedded.runtime, storage, adminKey: ADMIN_KEY });
  try {
    const ws = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
    const sessionId = await recordConversation(ws);
    await app.storageSettled();
    const headers = { authorization: `Bearer ${ADMIN_KEY}` };
    const timed = async (request: () => Promise<{ statusCode: number }>) => {
      const ms: number[] = [];
      for (let i = 0; i < runs + 2; i++) {
        const started = performance.now();
        const answer = await request();
        if (answer.statusCode !== 200) throw new Error(`the debugger answered ${answer.statusCode}`);
        if (i >= 2) ms.push(performance.now() - started);
      }
      return ms;
    };
    const read = await timed(() =>
      app.inject({ method: 'GET', url: `/v1/studio/sessions/${sessionId}`, headers }),
    );
    const replay = (turn: number, from: string) =>
      timed(() =>
        app.inject({
          method: 'POST',
          url: `/v1/studio/sessions/${sessionId}/turns/${turn}/replay`,
          headers,
          payload: { from },
        }),
      );
    const typed = await replay(2, 'text');
    const spoken = await replay(3, 'audio');
    const { rows } = await storage.database.query<{ bytes: number }>(
      `SELECT octet_length(details_enc) AS bytes FROM turns WHERE session_id = $1 ORDER BY turn_index`,
      [sessionId],
    );
    const turns = await storage.sessions.turns(sessionId);
    const visemes = turns.reduce((sum, t) => sum + (t.details?.visemes?.length ?? 0), 0);
    const sealed = rows.reduce((sum, r) => sum + Number(r.bytes ?? 0), 0);
    return [
      { name: 'read a 4-turn session with its waterfalls, p50', value: percentile(read, 50), unit: 'ms' },
      {
        name: 'replay a typed turn inside a flow (2 earlier turns), p50',
        value: percentile(typed, 50),
        unit: 'ms',
      },
      {
        name: 'replay a spoken turn from its 2.6 s recording, p50',
        value: percentile(spoken, 50),
        unit: 'ms',
      },
      { name: 'sealed details per turn (4 turns, mean)', value: sealed / rows.length, unit: 'bytes' },
      {
        name: 'sealed details per viseme of the replies',
        value: sealed / Math.max(1, visemes),
        unit: 'bytes',
      },
    ];
  } finally {
    await app.close();
    await storage.close();
    await embedded.close();
  }
}
