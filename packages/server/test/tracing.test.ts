import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { FliteSynthesizer } from '@visemo/speech';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedRuntime, type EmbeddedRuntime } from '../src/embedded-runtime.js';
import { createServer } from '../src/http/server.js';
import type { TurnRecord } from '../src/session/turn-record.js';
import { formatTurnWaterfall, tracedTurns, turnWaterfallSvg } from '../src/tracing/trace-waterfall.js';
import { otlpEndpointOf, Tracing } from '../src/tracing/tracing.js';
import { TestCaller, withLeadingSilence } from './support/test-caller.js';

const supportAgent = fileURLToPath(new URL('../../../examples/support-agent', import.meta.url));
const ADMIN_KEY = 'admin-key-for-the-trace-tests-0123456789';

const nanos = (hr: [number, number]) => BigInt(hr[0]) * 1_000_000_000n + BigInt(hr[1]);
const ms = (hr: [number, number]) => Number(nanos(hr)) / 1e6;

describe('the spans of a spoken turn through the server', () => {
  let embedded: EmbeddedRuntime;
  let app: FastifyInstance;
  let base: string;
  const exported = new InMemorySpanExporter();
  const tracing = new Tracing({ env: {}, processors: [new SimpleSpanProcessor(exported)] });

  beforeAll(async () => {
    embedded = await createEmbeddedRuntime(supportAgent, { providers: false });
    app = await createServer({ runtime: embedded.runtime, tracing, adminKey: ADMIN_KEY });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await embedded?.close();
    await tracing.shutdown();
  });

  it('has one trace per turn with a span for each hop, the client’s two among them', async () => {
    const voice = new FliteSynthesizer();
    const { audio } = await voice.synthesize({ text: 'what are your opening hours', voice: 'rms' });
    await voice.close();
    const caller = await TestCaller.start(base.replace('http', 'ws'));
    await caller.speak(withLeadingSilence(audio.samples));
    const final = await caller.waitFor('transcript.final');
    expect(final.understood).toBe(true);
    const end = await caller.waitFor('turn.end', (e) => e.turnId === final.turnId);
    caller.send({ type: 'client.timing', turnId: final.turnId, firstSampleAtMs: 35, firstVisemeAtMs: 41 });
    // A text turn afterwards: the timing has been taken by the time its answer comes.
    caller.send({ type: 'text', text: 'thanks' });
    await caller.waitFor('turn.end', (e) => e.turnId === final.turnId + 1);
    caller.close();

    const spans = exported.getFinishedSpans();
    const root = spans.find(
      (s) => s.name === 'visemo.turn' && s.attributes['visemo.turn.id'] === final.turnId,
    ) as ReadableSpan;
    expect(root.attributes).toMatchObject({
      'visemo.turn.input': 'speech',
      'visemo.nlu.intent': 'opening_hours',
      'visemo.answered_by': 'intent',
      'visemo.turn.interrupted': false,
    });
    const { traceId, spanId } = root.spanContext();
    const children = spans.filter((s) => s.spanContext().traceId === traceId && s !== root);
    expect(children.map((s) => s.name).sort()).toEqual(
      [
        'asr.final',
        'audio.send',
        'client.first_sample',
        'client.first_viseme',
        'dialogue.first_text',
        'nlu',
        'tts.first_audio',
      ].sort(),
    );
    for (const child of children) expect(child.parentSpanContext?.spanId).toBe(spanId);
    const span = (name: string) => children.find((s) => s.name === name) as ReadableSpan;

    // The hops lie end to end from the VAD's end of speech, each as long as turn.end says.
    expect(nanos(span('asr.final').startTime)).toBe(nanos(root.startTime));
    for (const [before, after] of [
      ['asr.final', 'nlu'],
      ['nlu', 'dialogue.first_text'],
      ['dialogue.first_text', 'tts.first_audio'],
      ['tts.first_audio', 'audio.send'],
    ] as const) {
      expect(Math.abs(ms(span(before).endTime) - ms(span(after).startTime))).toBeLessThan(0.01);
    }
    expect(ms(span('asr.final').duration)).toBeCloseTo(end.latency.asrFinalMs ?? -1, 0);
    expect(ms(span('tts.first_audio').duration)).toBeCloseTo(end.latency.ttsFirstAudioMs ?? -1, 0);
    expect(ms(span('audio.send').endTime)).toBeLessThanOrEqual(ms(root.endTime) + 0.01);
    // The client's delays count from the moment the first audio chunk was sent.
    expect(nanos(span('client.first_sample').startTime)).toBe(nanos(span('audio.send').startTime));
    expect(ms(span('client.first_sample').duration)).toBeCloseTo(35, 3);
    expect(ms(span('client.first_viseme').duration)).toBeCloseTo(41, 3);
    expect(ms(span('audio.send').startTime) - ms(root.startTime)).toBeCloseTo(
      end.latency.speechEndToFirstAudioMs ?? -1,
      0,
    );
    // Spans name and count what happened, never what anyone said.
    const values = spans.flatMap((s) => Object.values(s.attributes).map(String));
    expect(values.some((v) => /opening hours|Monday/i.test(v))).toBe(false);
  });

  it('serves the recent traces as OTLP/JSON to the admin key only, which draw as a waterfall', async () => {
    const refused = await fetch(`${base}/v1/admin/traces`);
    expect(refused.status).toBe(401);
    const answer = await fetch(`${base}/v1/admin/traces?limit=5`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(answer.status).toBe(200);
    const turns = tracedTurns(await answer.json());
    const spoken = turns.find((t) => t.attributes['visemo.turn.input'] === 'speech');
    expect(spoken?.hops.map((h) => h.name)).toContain('client.first_viseme');
    expect(spoken?.hops[0]).toMatchObject({ name: 'asr.final', startMs: 0 });
    const text = formatTurnWaterfall(spoken as NonNullable<typeof spoken>);
    expect(text.split('\n')[0]).toMatch(/^turn \d+ · session [0-9a-f]{8} · speech · intent opening_hours/);
    expect(text).toMatch(/ {2}tts\.first_audio +.*█/);
    const svg = turnWaterfallSvg(turns);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('client.first_sample');
  });
});

describe('OTLP export', () => {
  it('sends each turn to the configured OTLP/HTTP endpoint as the protocol’s JSON', async () => {
    const bodies: unknown[] = [];
    const receiver = createHttpServer((request: IncomingMessage, response) => {
      const parts: Buffer[] = [];
      request.on('data', (part: Buffer) => parts.push(part));
      request.on('end', () => {
        expect([request.method, request.url, request.headers['content-type']]).toEqual([
          'POST',
          '/v1/traces',
          'application/json',
        ]);
        bodies.push(JSON.parse(Buffer.concat(parts).toString('utf8')));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const { port } = receiver.address() as AddressInfo;
    const endpoint = otlpEndpointOf({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}/` });
    expect(endpoint).toBe(`http://127.0.0.1:${port}/v1/traces`);
    const tracing = new Tracing({ env: {}, otlpUrl: endpoint as string, serviceVersion: '9.9.9' });
    const start = 5000;
    const record: TurnRecord = {
      sessionId: 'session-7',
      turnId: 4,
      input: 'text',
      user: { text: 'refund', confidence: 1, understood: true },
      nlu: { intent: 'returns', confidence: 0.93, entities: [] },
      answeredBy: 'knowledge',
      fullReplyText: 'Refunds take five days.',
      spokenText: 'Refunds take five days.',
      interrupted: false,
      latency: { nluMs: 1, dialogueMs: 3, ttsFirstAudioMs: 20, speechEndToFirstAudioMs: 24 },
      marks: {
        inputEndedAt: start,
        transcriptAt: start,
        nluAt: start + 1,
        firstTextAt: start + 4,
        firstAudioAt: start + 24,
        lastAudioAt: start + 60,
        endedAt: start + 61,
      },
      providers: { tts: 'flite', notices: [] },
      endedSession: false,
    };
    const session = tracing.forSession({ agent: 'support-agent' });
    // Reported before the turn has ended: kept until it has.
    session.clientTiming({ type: 'client.timing', turnId: 4, firstSampleAtMs: 30 });
    session.turn(record);
    await tracing.forceFlush();
    await tracing.shutdown();
    receiver.close();

    expect(bodies.length).toBeGreaterThan(0);
    const request = bodies[0] as {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue?: string } }[] };
        scopeSpans: { scope: { name: string }; spans: Record<string, unknown>[] }[];
      }[];
    };
    const resource = Object.fromEntries(
      request.resourceSpans[0]?.resource.attributes.map((a) => [a.key, a.value.stringValue]) ?? [],
    );
    expect(resource).toMatchObject({ 'service.name': 'visemo', 'service.version': '9.9.9' });
    const scope = request.resourceSpans[0]?.scopeSpans[0];
    expect(scope?.scope.name).toBe('@visemo/server');
    const spans = bodies.flatMap((b) =>
      (b as typeof request).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
    );
    const byName = new Map(spans.map((s) => [s.name as string, s]));
    expect([...byName.keys()].sort()).toEqual(
      [
        'audio.send',
        'client.first_sample',
        'dialogue.first_text',
        'nlu',
        'tts.first_audio',
        'visemo.turn',
      ].sort(),
    );
    const root = byName.get('visemo.turn') as Record<string, string>;
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.parentSpanId ?? '').toBe('');
    const origin = BigInt(root.startTimeUnixNano as string);
    const offset = (name: string, field: 'startTimeUnixNano' | 'endTimeUnixNano') =>
      Number(BigInt(byName.get(name)?.[field] as string) - origin) / 1e6;
    expect(offset('visemo.turn', 'endTimeUnixNano')).toBeCloseTo(61, 3);
    expect([
      offset('tts.first_audio', 'startTimeUnixNano'),
      offset('tts.first_audio', 'endTimeUnixNano'),
    ]).toEqual([expect.closeTo(4, 3), expect.closeTo(24, 3)]);
    expect(offset('client.first_sample', 'endTimeUnixNano')).toBeCloseTo(54, 3);
    for (const name of byName.keys()) {
      if (name !== 'visemo.turn') expect(byName.get(name)?.parentSpanId).toBe(root.spanId);
    }
    // The same request read back: one turn, its hops in order.
    const [turn] = tracedTurns(...bodies);
    expect(turn?.hops.map((h) => h.name)).toEqual([
      'nlu',
      'dialogue.first_text',
      'tts.first_audio',
      'audio.send',
      'client.first_sample',
    ]);
    expect(turn?.attributes['visemo.agent']).toBe('support-agent');
  });

  it('is off unless the standard variables name an endpoint, and off with OTEL_TRACES_EXPORTER=none', () => {
    expect(otlpEndpointOf({})).toBeNull();
    expect(otlpEndpointOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/x' })).toBe('http://c:4318/x');
    expect(
      otlpEndpointOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }),
    ).toBeNull();
  });
});
