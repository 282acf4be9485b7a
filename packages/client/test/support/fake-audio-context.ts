/**
 * The part of Web Audio the SDK's playback uses, with a clock the test moves by hand: Node has no
 * AudioContext, and a test must not depend on real time passing. Without `getOutputTimestamp`,
 * `heardTime()` reads `currentTime` less the (zero) latencies, so the heard clock is `currentTime`.
 */
export class FakeAudioContext {
  currentTime = 0;
  state: 'running' | 'suspended' | 'closed' = 'running';
  readonly baseLatency = 0;
  readonly outputLatency = 0;
  readonly destination = new FakeNode();
  readonly sources: FakeBufferSource[] = [];

  createBuffer(_channels: number, length: number, sampleRate: number): FakeBuffer {
    return new FakeBuffer(length, sampleRate);
  }

  readonly gains: FakeGain[] = [];

  createGain(): FakeGain {
    const gain = new FakeGain(this);
    this.gains.push(gain);
    return gain;
  }

  createBufferSource(): FakeBufferSource {
    const source = new FakeBufferSource();
    this.sources.push(source);
    return source;
  }

  async resume(): Promise<void> {
    if (this.state === 'suspended') this.state = 'running';
  }

  async close(): Promise<void> {
    this.state = 'closed';
  }

  /** Sets the clock; sources whose audio has ended by then fire `onended`, as Web Audio does. */
  setTime(sec: number): void {
    this.currentTime = sec;
    for (const source of this.sources) {
      if (source.startedAt === null || source.stopped || !source.buffer) continue;
      if (sec >= source.startedAt + source.buffer.duration) {
        source.stopped = true;
        source.onended?.();
      }
    }
  }

  asAudioContext(): AudioContext {
    return this as unknown as AudioContext;
  }
}

export class FakeNode {}

/** A GainNode whose `setTargetAtTime` lands at once, each call kept for the test to read. */
export class FakeGain extends FakeNode {
  output: FakeNode | null = null;
  readonly targets: number[] = [];
  readonly gain = {
    value: 1,
    setTargetAtTime: (value: number) => {
      this.targets.push(value);
      this.gain.value = value;
    },
    cancelScheduledValues: () => {},
  };
  constructor(readonly context: FakeAudioContext) {
    super();
  }
  connect(node: FakeNode): void {
    this.output = node;
  }
}

export class FakeBuffer {
  readonly duration: number;
  samples: Float32Array | null = null;
  constructor(
    readonly length: number,
    readonly sampleRate: number,
  ) {
    this.duration = length / sampleRate;
  }
  copyToChannel(samples: Float32Array, _channel: number): void {
    this.samples = samples;
  }
}

export class FakeBufferSource {
  buffer: FakeBuffer | null = null;
  output: FakeNode | null = null;
  startedAt: number | null = null;
  stopped = false;
  onended: (() => void) | null = null;

  connect(node: FakeNode): void {
    this.output = node;
  }
  disconnect(): void {
    this.output = null;
  }
  start(when: number): void {
    this.startedAt = when;
  }
  stop(): void {
    if (this.startedAt === null) throw new Error('InvalidStateError: stop() before start()');
    this.stopped = true;
  }
}
