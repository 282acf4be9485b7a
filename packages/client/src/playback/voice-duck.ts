/** How fast the voice goes down or back up: a 5 ms time constant, all but silent within a 20 ms frame. */
const DUCK_TIME_CONSTANT_S = 0.005;

/**
 * Turns the agent's voice down while the server decides whether the person talking over it is
 * interrupting (`playback.duck`, docs/protocol.md), and back up for a backchannel. Voices play
 * straight to the output until the first duck; from then on through one GainNode.
 */
export class VoiceDuck {
  private node: GainNode | null = null;

  /** Where a new source of `context` connects. */
  target(context: AudioContext, output: AudioNode): AudioNode {
    return this.node && this.node.context === context ? this.node : output;
  }

  /** Sets the voice's gain (0..1) now; `playing` are the sources already scheduled. */
  set(
    gain: number,
    context: AudioContext,
    output: AudioNode,
    playing: Iterable<AudioBufferSourceNode>,
  ): void {
    if (!this.node || this.node.context !== context) {
      if (gain >= 1) return;
      const node = context.createGain();
      node.connect(output);
      for (const source of playing) {
        source.disconnect();
        source.connect(node);
      }
      this.node = node;
    }
    this.node.gain.setTargetAtTime(gain, context.currentTime, DUCK_TIME_CONSTANT_S);
  }

  /** Playback was flushed: the next reply plays at full voice. */
  reset(): void {
    if (!this.node) return;
    this.node.gain.cancelScheduledValues(0);
    this.node.gain.value = 1;
  }
}
