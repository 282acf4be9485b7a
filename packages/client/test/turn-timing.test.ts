import { clientMessageSchemas } from '@visemo/core/protocol';
import { describe, expect, it } from 'vitest';
import { TurnTimingReports } from '../src/playback/turn-timing.js';

type Report = Parameters<ConstructorParameters<typeof TurnTimingReports>[0]>[0];

function reports(drawsVisemes: boolean) {
  const sent: Report[] = [];
  const timing = new TurnTimingReports(
    (report) => sent.push(report),
    () => drawsVisemes,
  );
  return { timing, sent };
}

describe('client.timing reports', () => {
  it('count both delays from the first chunk’s arrival and go once both are known', () => {
    const { timing, sent } = reports(true);
    timing.chunkReceived(3, 0, 1000);
    timing.chunkReceived(3, 1, 1040);
    timing.samplePlayed(3, 1082.25);
    expect(sent).toEqual([]);
    timing.visemeDrawn(3, 1090);
    expect(sent).toEqual([{ type: 'client.timing', turnId: 3, firstSampleAtMs: 82.3, firstVisemeAtMs: 90 }]);
    // Later frames and the end of playback add nothing.
    timing.visemeDrawn(3, 1200);
    timing.playbackEnded(3);
    expect(sent).toHaveLength(1);
    expect(clientMessageSchemas.get('client.timing')?.safeParse(sent[0]).success).toBe(true);
  });

  it('send the first sample alone when the page draws no mouth', () => {
    const { timing, sent } = reports(false);
    timing.chunkReceived(1, 0, 500);
    timing.samplePlayed(1, 560);
    expect(sent).toEqual([{ type: 'client.timing', turnId: 1, firstSampleAtMs: 60 }]);
  });

  it('send what is known when playback ends before the renderer drew anything', () => {
    const { timing, sent } = reports(true);
    timing.chunkReceived(2, 0, 0);
    timing.samplePlayed(2, 75);
    timing.playbackEnded(2);
    expect(sent).toEqual([{ type: 'client.timing', turnId: 2, firstSampleAtMs: 75 }]);
  });

  it('send nothing for a turn flushed before anything of it was heard', () => {
    const { timing, sent } = reports(true);
    timing.chunkReceived(4, 0, 0);
    timing.playbackEnded(4);
    timing.samplePlayed(4, 30);
    expect(sent).toEqual([]);
  });

  it('ignore a turn whose first chunk never arrived, and a chunk after the report', () => {
    const { timing, sent } = reports(false);
    timing.chunkReceived(5, 1, 0);
    timing.samplePlayed(5, 20);
    expect(sent).toEqual([]);
    timing.chunkReceived(6, 0, 0);
    timing.samplePlayed(6, 20);
    timing.chunkReceived(6, 0, 100);
    timing.samplePlayed(6, 130);
    expect(sent).toEqual([{ type: 'client.timing', turnId: 6, firstSampleAtMs: 20 }]);
  });

  it('clamp delays to what the protocol takes', () => {
    const { timing, sent } = reports(true);
    timing.chunkReceived(7, 0, 1000);
    timing.samplePlayed(7, 900);
    timing.visemeDrawn(7, 1000 + 3_600_000);
    expect(sent).toEqual([
      { type: 'client.timing', turnId: 7, firstSampleAtMs: 0, firstVisemeAtMs: 600_000 },
    ]);
  });
});
