import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createEmbeddedRuntime, createServer, type ModelSelection } from '@visemo/server';
import { generateMasterKey, openStorage, type Storage } from '@visemo/storage';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  recordConversation,
  registryWithRetrainedNlu,
} from '../../../packages/server/test/support/recorded-conversation.js';
import {
  type AxeViolation,
  axeViolations,
  buildOnce,
  CHROMIUM,
  launchChromium,
  screenshotPath,
} from './support/browser-harness.js';

/**
 * The studio's conversation debugger in a real browser: a conversation recorded on a real server
 * with storage (typed turns into a flow, a spoken one with its recording), then the agent is
 * changed and the server restarted on the same storage, and the debugger shows the turns and what
 * the changed agent answers now.
 */

const SUPPORT_AGENT = resolve(import.meta.dirname, '../../../examples/support-agent');
const ADMIN_KEY = 'a-studio-admin-key-for-the-debugger-test';
const OLD_ANSWER = 'response: I found order {order_number}. {record.update}';
const NEW_ANSWER = 'response: Order {order_number} is with us. {record.update}';
const OLD_HOURS = 'Saturdays from 9 am to 4 pm';
const NEW_HOURS = 'Saturdays from 10 am to 2 pm';

let built: Awaited<ReturnType<typeof buildOnce>>;
let storage: Storage;
let server: FastifyInstance;
let url: string;
let browser: Browser;
let dir: string;
const runtimes: (() => Promise<void>)[] = [];
let models: ModelSelection | undefined;

/** The agent served with the built app and the storage; with `registry`, its model registry too. */
async function serve(agentDir: string, registry = false): Promise<{ app: FastifyInstance; url: string }> {
  const embedded = await createEmbeddedRuntime(agentDir, { synthesisCacheBytes: 0 });
  runtimes.push(embedded.close);
  if (registry) ({ models } = await registryWithRetrainedNlu(storage, embedded.agent.spec, embedded.runtime));
  const app = await createServer({
    runtime: embedded.runtime,
    webRoot: built.outDir,
    storage,
    adminKey: ADMIN_KEY,
    ...(models ? { models } : {}),
  });
  return { app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
}

async function openDebugger(query = `?key=${ADMIN_KEY}`): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 1300 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`${url}/studio/debugger/${query}`);
  return { page, errors };
}

const turnButton = (page: Page, index: number) => page.locator(`.turn-pick[data-turn="${index}"]`);

describe.skipIf(!existsSync(CHROMIUM))('the studio’s conversation debugger in Chromium', () => {
  beforeAll(async () => {
    built = await buildOnce();
    storage = await openStorage({ dataDir: 'memory://', masterKey: generateMasterKey() });
    dir = mkdtempSync(join(tmpdir(), 'visemo-debugger-'));
    // The agent's folder name is its stored id: the changed copy is the same agent.
    const agentDir = join(dir, 'support-agent');
    cpSync(SUPPORT_AGENT, agentDir, { recursive: true });
    const first = await serve(agentDir);
    await recordConversation(first.url.replace('http', 'ws'));
    await first.app.storageSettled();
    await first.app.close();

    const spec = readFileSync(join(agentDir, 'agent.yaml'), 'utf8');
    expect(spec).toContain(OLD_ANSWER);
    expect(spec).toContain(OLD_HOURS);
    writeFileSync(
      join(agentDir, 'agent.yaml'),
      spec.replace(OLD_ANSWER, NEW_ANSWER).replace(OLD_HOURS, NEW_HOURS),
    );
    ({ app: server, url } = await serve(agentDir, true));
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    models?.close();
    await server?.close();
    for (const close of runtimes) await close();
    await storage?.close();
    built?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('picks the session, shows its turns, and replays one against the changed agent', async () => {
    const { page, errors } = await openDebugger();
    const found: Record<string, AxeViolation[]> = {};
    // The key was taken out of the address once kept.
    expect(page.url()).not.toContain(ADMIN_KEY);
    const session = page.locator('.session-pick');
    await expect.poll(() => session.count(), { timeout: 15_000 }).toBe(1);
    expect(await session.textContent()).toContain('4 turns');
    found.sessions = await axeViolations(page);

    // By keyboard: the session, then the turn that gave the order number.
    await session.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.turn-pick').count()).toBe(4);
    expect(await session.getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('.turn-pick .pick-sub').allTextContents()).toEqual([
      'greeting · greeting',
      'typed · order_status',
      'typed · flow',
      expect.stringMatching(/^spoken · .* · recording$/),
    ]);
    await turnButton(page, 2).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#detail-title')).toMatch(/^Turn 2 · typed/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('detail-title');
    expect(await page.textContent('#user-text')).toBe('482913');
    expect(await page.textContent('#entities')).toContain('order_number = 482913');
    expect(await page.textContent('#path')).toContain('order_lookup · completed');
    expect(await page.locator('#waterfall svg[role="img"]').count()).toBe(1);
    // The reply's recorded track over its waveform.
    await expect.poll(() => page.locator('#reply-audio').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await page.textContent('#reply-text')).toContain('I found order 482913.');

    // The turn that started the flow: its intent ranking, best first.
    await turnButton(page, 1).click();
    const ranks = page.locator('#ranking .rank');
    await expect.poll(() => ranks.count()).toBeGreaterThan(1);
    expect(await ranks.first().locator('.rank-name').textContent()).toBe('order_status');
    expect(await page.textContent('#path')).toContain('order_lookup · asking order_number');

    // Replayed against the changed agent: the same intent and path, another reply.
    await turnButton(page, 2).click();
    await page.locator('#replay-text').click();
    await expect
      .poll(() => page.textContent('#replay-summary'), { timeout: 15_000 })
      .toBe('The words, replayed with NLU version 1, come out differently in 1 field: reply.');
    const changed = page.locator('#diff-rows tr.changed');
    expect(await changed.count()).toBe(1);
    expect(await changed.locator('td').allTextContents()).toEqual([
      expect.stringContaining('I found order 482913.'),
      expect.stringContaining('Order 482913 is with us.'),
    ]);
    found.replay = await axeViolations(page);

    // With the retrained NLU version that has no order intent, the first words find another one.
    await turnButton(page, 1).click();
    await page.selectOption('#nlu-version', '2');
    await page.locator('#replay-text').click();
    await expect
      .poll(() => page.textContent('#replay-summary'), { timeout: 15_000 })
      .toMatch(/^The words, replayed with NLU version 2, come out differently in \d fields: intent, /);
    await page.selectOption('#nlu-version', '');

    // The spoken turn: what the recognizer heard, its recording, and a replay through it.
    await turnButton(page, 3).click();
    await expect.poll(() => page.locator('#heard-audio').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await page.textContent('#user-text')).toBe('what are your opening hours');
    expect(await page.textContent('#asr-decision')).toMatch(/matched/);
    await page.locator('#replay-audio').click();
    await expect
      .poll(() => page.textContent('#replay-summary'), { timeout: 20_000 })
      .toBe('The recording, heard again with NLU version 1, comes out differently in 1 field: reply.');
    expect(await page.locator('#diff-rows tr').first().locator('td').allTextContents()).toEqual([
      'what are your opening hours',
      'what are your opening hours',
    ]);
    expect(await page.locator('#diff-rows tr.changed td').last().textContent()).toContain(NEW_HOURS);
    await expect.poll(() => page.locator('#reply-audio').isVisible(), { timeout: 15_000 }).toBe(true);
    found.spoken = await axeViolations(page);
    await page.screenshot({ path: screenshotPath('studio-debugger'), fullPage: true });

    expect(found).toEqual({ sessions: [], replay: [], spoken: [] });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('asks for the admin key, says when it is wrong, and goes on with the right one', async () => {
    const { page, errors } = await openDebugger('');
    await expect.poll(() => page.locator('#key-form').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('admin-key');
    expect(await axeViolations(page)).toEqual([]);
    await page.fill('#admin-key', 'not-the-key');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#debugger-status')).toBe('this route needs the admin key.');
    await page.fill('#admin-key', ADMIN_KEY);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.session-pick').count()).toBe(1);
    expect(await page.locator('#key-form').isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
