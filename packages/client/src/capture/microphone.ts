import { CAPTURE_PROCESSOR_NAME, type CaptureFrameMessage, captureWorkletSource } from './worklet-source.js';

/** 20 ms frames at 16 kHz: small enough for a quick VAD decision, large enough to keep overhead low. */
export const CAPTURE_RATE = 16_000;
export const CAPTURE_FRAME_SAMPLES = 320;

/**
 * The constraints the SDK asks for. Echo cancellation matters most: in hands-free mode the
 * microphone hears the avatar's own voice, and without it the server would take that for barge-in.
 */
export const MICROPHONE_CONSTRAINTS: MediaTrackConstraints = {
  channelCount: 1,
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

export interface MicrophoneCaptureOptions {
  context: AudioContext;
  /** Called from the audio thread's message port, every 20 ms while capturing. */
  onFrame: (pcm: Int16Array, rms: number) => void;
  /** Overrides the device choice; the constraints above are always added. */
  deviceId?: string;
}

const loadedContexts = new WeakMap<BaseAudioContext, Promise<void>>();

function loadWorklet(context: AudioContext): Promise<void> {
  let loading = loadedContexts.get(context);
  if (!loading) {
    const url = URL.createObjectURL(new Blob([captureWorkletSource()], { type: 'text/javascript' }));
    loading = context.audioWorklet.addModule(url).finally(() => URL.revokeObjectURL(url));
    loadedContexts.set(context, loading);
  }
  return loading;
}

/** The microphone, as 16 kHz PCM16 frames from an AudioWorklet. */
export class MicrophoneCapture {
  private constructor(
    private readonly stream: MediaStream,
    private readonly source: MediaStreamAudioSourceNode,
    private readonly node: AudioWorkletNode,
  ) {}

  /** Asks for the microphone (the browser may prompt) and starts capturing. */
  static async open(options: MicrophoneCaptureOptions): Promise<MicrophoneCapture> {
    const { context } = options;
    const audio: MediaTrackConstraints = { ...MICROPHONE_CONSTRAINTS };
    if (options.deviceId) audio.deviceId = { exact: options.deviceId };
    const [stream] = await Promise.all([
      navigator.mediaDevices.getUserMedia({ audio }),
      loadWorklet(context),
    ]);
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, CAPTURE_PROCESSOR_NAME, {
      numberOfInputs: 1,
      // No output: the processor is a sink, and Chromium pulls such nodes without a destination.
      numberOfOutputs: 0,
      channelCount: 1,
      channelCountMode: 'explicit',
      processorOptions: { targetRate: CAPTURE_RATE, frameSamples: CAPTURE_FRAME_SAMPLES },
    });
    node.port.onmessage = (event: MessageEvent<CaptureFrameMessage>) => {
      options.onFrame(event.data.pcm, event.data.rms);
    };
    source.connect(node);
    return new MicrophoneCapture(stream, source, node);
  }

  /** The device's own settings after the browser applied the constraints. */
  get settings(): MediaTrackSettings | undefined {
    return this.stream.getAudioTracks()[0]?.getSettings();
  }

  close(): void {
    this.node.port.postMessage({ type: 'stop' });
    this.node.port.onmessage = null;
    this.source.disconnect();
    for (const track of this.stream.getTracks()) track.stop();
  }
}
