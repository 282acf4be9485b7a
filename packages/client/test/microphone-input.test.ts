import { describe, expect, it, vi } from 'vitest';
import type { MicrophoneCaptureOptions } from '../src/capture/microphone.js';
import { MicrophoneInput, type MicrophoneInputOptions } from '../src/capture/microphone-input.js';
import type { MicrophoneEvent } from '../src/events.js';
import { FakeAudioContext } from './support/fake-audio-context.js';

/** A microphone whose frames the test sends, opened by a stand-in for `MicrophoneCapture.open`. */
function microphone(options: Partial<MicrophoneInputOptions> = {}) {
  const context = new FakeAudioContext().asAudioContext();
  const events: MicrophoneEvent[] = [];
  const sent: Int16Array[] = [];
  const calls: string[] = [];
  const device = { onFrame: null as MicrophoneCaptureOptions['onFrame'] | null, close: vi.fn() };
  const openCapture = vi.fn(async (o: MicrophoneCaptureOptions) => {
    expect(o.context).toBe(context);
    device.onFrame = o.onFrame;
    return device;
  });
  const input = new MicrophoneInput({
    audio: true,
    context: () => context,
    resumeAudio: async () => undefined,
    openCapture,
    emit: (event) => {
      events.push(event);
      if (event.type === 'microphone') calls.push(`microphone talking=${event.talking}`);
    },
    sendFrame: (pcm) => sent.push(pcm),
    talkStarted: () => calls.push('talkStarted'),
    talkEnded: () => calls.push('talkEnded'),
    ...options,
  });
  const frame = (value: number, rms = 0.1) => device.onFrame?.(new Int16Array(320).fill(value), rms);
  const state = () => events.filter((e) => e.type === 'microphone').at(-1);
  return { input, events, sent, calls, device, openCapture, frame, state };
}

describe('MicrophoneInput', () => {
  it('hands-free, sends every frame; push-to-talk, only those between start and stop of talking', async () => {
    const { input, sent, frame, calls } = microphone();
    await input.start('hands-free');
    frame(1);
    input.setMode('push-to-talk');
    frame(2);
    input.startTalking();
    frame(3);
    frame(4);
    input.stopTalking();
    frame(5);
    expect(sent.map((pcm) => pcm[0])).toEqual([1, 3, 4]);
    // The agent is stopped before the first frame of the utterance, the server told after the last.
    expect(calls).toEqual([
      'microphone talking=false',
      'microphone talking=false',
      'talkStarted',
      'microphone talking=true',
      'microphone talking=false',
      'talkEnded',
    ]);
  });

  it('tells the level of every frame, whether it is sent or not, and 0 once stopped', async () => {
    const { input, events, frame, device, state } = microphone();
    await input.start('push-to-talk');
    expect(input.active).toBe(true);
    expect(state()).toEqual({ type: 'microphone', active: true, mode: 'push-to-talk', talking: false });
    frame(7, 0.25);
    input.stop();
    expect(device.close).toHaveBeenCalledTimes(1);
    expect(input.active).toBe(false);
    const levels = events.flatMap((e) => (e.type === 'microphone.level' ? [e.rms] : []));
    expect(levels).toEqual([0.25, 0]);
    expect(state()).toEqual({ type: 'microphone', active: false, mode: 'push-to-talk', talking: false });
  });

  it('ends the utterance when the mode changes or the microphone stops while talking', async () => {
    const { input, calls } = microphone();
    await input.start('push-to-talk');
    input.startTalking();
    input.setMode('hands-free');
    expect(input.isTalking).toBe(false);
    input.setMode('push-to-talk');
    input.startTalking();
    input.stop();
    expect(calls.filter((c) => c.startsWith('talk'))).toEqual([
      'talkStarted',
      'talkEnded',
      'talkStarted',
      'talkEnded',
    ]);
  });

  it('forgets an utterance the connection lost, telling no one', async () => {
    const { input, calls } = microphone();
    await input.start('push-to-talk');
    input.startTalking();
    calls.length = 0;
    input.cancelTalking();
    expect(input.isTalking).toBe(false);
    input.stopTalking();
    expect(calls).toEqual([]);
  });

  it('opens the device once for starts that overlap', async () => {
    const { input, openCapture } = microphone();
    await Promise.all([input.start(), input.start()]);
    await input.start();
    expect(openCapture).toHaveBeenCalledTimes(1);
  });

  it('refuses in text-only mode, keeping the mode asked for', async () => {
    const { input, openCapture } = microphone({ audio: false });
    await expect(input.start('push-to-talk')).rejects.toMatchObject({ code: 'bad_audio' });
    expect(input.mode).toBe('push-to-talk');
    expect(openCapture).not.toHaveBeenCalled();
  });

  it('reports a device it could not open, and tries again on the next start', async () => {
    const refused = Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' });
    const openCapture = vi
      .fn<NonNullable<MicrophoneInputOptions['openCapture']>>()
      .mockRejectedValueOnce(refused)
      .mockResolvedValueOnce({ close: () => undefined });
    const { input, events } = microphone({ openCapture });
    const failed = input.start();
    await expect(failed).rejects.toMatchObject({
      code: 'bad_audio',
      message: 'the microphone could not be opened (NotAllowedError: Permission denied)',
      cause: refused,
    });
    expect(events).toEqual([
      { type: 'client.error', code: 'bad_audio', message: 'microphone: NotAllowedError: Permission denied' },
    ]);
    expect(input.active).toBe(false);
    await input.start();
    expect(input.active).toBe(true);
    expect(openCapture).toHaveBeenCalledTimes(2);
  });
});
