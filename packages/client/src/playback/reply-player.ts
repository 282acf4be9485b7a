import { heardWords } from '@visemo/core/heard-words';
import type { WordTiming } from '@visemo/core/visemes-types';
import type { ReplyEvent } from '../events.js';
import type { AudioChunkEvent, ServerEvent } from '../protocol.js';
import { heardTime } from './audio-clock.js';
import { type ReplyCue, ReplySequencer } from './reply-sequencer.js';
import {
  DEFAULT_PLAYBACK_TIMING,
  PlaybackTimeline,
  type PlaybackTiming,
  pcm16ToFloat32,
} from './timeline.js';
import { VoiceDuck } from './voice-duck.js';

export interface ReplyPlayerOptions {
  /** The context to play on, or null without audio: captions and expressions then go out as they come. */
  context(): AudioContext | null;
  /** Where the voice goes, e.g. a GainNode for volume; by default the context's destination. */
  output?: AudioNode | undefined;
  timing?: PlaybackTiming;
  emit(event: ReplyEvent): void;
  /** A turn's playback ended or was flushed with `playedMs` of it heard: for the server's `playback` report. */
  report(turnId: number, playedMs: number): void;
  /**
   * A turn's first sample is scheduled, to be heard at `atPerfMs` on `performance.now()`;
   * `clockRunning` is false while the autoplay policy holds the context, whose clock then says
   * nothing about when.
   */
  firstAudio?(turnId: number, atPerfMs: number, clockRunning: boolean): void;
}

interface PlayingTurn {
  sources: AudioBufferSourceNode[];
  /** The words of its scheduled chunks, on the turn's audio timeline (chunk offsets added). */
  words: WordTiming[];
  /** The server's `turn.end` arrived: no more audio will come for this turn. */
  complete: boolean;
  started: boolean;
}

interface TimedEvent {
  atSec: number;
  event: ReplyEvent;
}

/**
 * Plays the agent's replies: each chunk of audio scheduled on the AudioContext clock right after
 * the one before, its mouth shapes announced ahead, its sentence's caption and expression released
 * when it is heard; at a turn's end, or when playback is flushed (barge-in), what was heard is
 * reported. Without an AudioContext it passes captions and expressions on at once.
 */
export class ReplyPlayer {
  private readonly timeline: PlaybackTimeline;
  private readonly sequencer = new ReplySequencer();
  private readonly duck = new VoiceDuck();
  private readonly playing = new Map<number, PlayingTurn>();
  /** Turns whose playback was flushed or reported: late chunks of theirs are dropped. */
  private readonly finishedTurns = new Set<number>();
  private timed: TimedEvent[] = [];
  private ticker: ReturnType<typeof setInterval> | null = null;
  /** The turn the server is working on (seen, no `turn.end` yet), or null. */
  private openTurn: number | null = null;
  private lastEndedTurn = -1;

  constructor(private readonly options: ReplyPlayerOptions) {
    this.timeline = new PlaybackTimeline(options.timing ?? DEFAULT_PLAYBACK_TIMING);
  }

  /** Whether agent audio is queued or playing. */
  get speaking(): boolean {
    const context = this.options.context();
    return context !== null && this.timeline.isPlaying(heardTime(context));
  }

  /** Whether the agent is answering: audio to be heard, or a turn the server has not ended. */
  get answering(): boolean {
    return this.speaking || this.openTurn !== null;
  }

  /** Takes the server's events about replies: their text, expressions, interruptions and ends. */
  handle(event: ServerEvent): void {
    if ('turnId' in event && event.type !== 'turn.end' && event.turnId > this.lastEndedTurn) {
      this.openTurn = event.turnId;
    }
    switch (event.type) {
      case 'response.text':
        this.onCue({ kind: 'caption', turnId: event.turnId, text: event.text });
        break;
      case 'expression':
        this.onCue({
          kind: 'expression',
          turnId: event.turnId,
          expression: event.expression,
          intensity: event.intensity,
        });
        break;
      case 'interrupted':
        this.finishedTurns.add(event.turnId);
        this.sequencer.drop(event.turnId);
        this.flush(true);
        break;
      case 'turn.end':
        this.onTurnEnd(event.turnId);
        break;
      case 'playback.duck':
        this.setVoiceGain(event.gain);
        break;
      default:
        break;
    }
  }

  /** Schedules a chunk's audio (PCM16 LE, as on the wire) after what is queued. */
  play(chunk: AudioChunkEvent, bytes: ArrayBuffer): void {
    const context = this.options.context();
    if (!context || this.finishedTurns.has(chunk.turnId)) return;
    // Web Audio wants floats; the wire is PCM16 LE, which Int16Array reads natively on LE hosts.
    const pcm = new Int16Array(bytes, 0, Math.floor(bytes.byteLength / 2));
    const buffer = context.createBuffer(1, Math.max(pcm.length, 1), chunk.sampleRate);
    buffer.copyToChannel(pcm16ToFloat32(pcm), 0);
    const offsetMs = this.timeline.durationMs(chunk.turnId);
    const scheduled = this.timeline.schedule(
      chunk.turnId,
      chunk.seq,
      pcm.length / chunk.sampleRate,
      context.currentTime,
    );
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(this.duck.target(context, this.options.output ?? context.destination));
    source.start(scheduled.startSec);

    let turn = this.playing.get(chunk.turnId);
    if (!turn) {
      turn = { sources: [], words: [], complete: false, started: false };
      this.playing.set(chunk.turnId, turn);
    }
    for (const w of chunk.words) {
      turn.words.push({ word: w.word, startMs: w.startMs + offsetMs, endMs: w.endMs + offsetMs });
    }
    turn.sources.push(source);
    source.onended = () => {
      const t = this.playing.get(chunk.turnId);
      if (t) t.sources = t.sources.filter((s) => s !== source);
    };

    this.options.emit({
      type: 'visemes',
      turnId: chunk.turnId,
      seq: chunk.seq,
      cues: chunk.visemes,
      text: chunk.text,
      words: chunk.words,
      startTimeSec: scheduled.startSec,
    });
    this.options.emit({
      type: 'audio.scheduled',
      turnId: chunk.turnId,
      seq: chunk.seq,
      startTimeSec: scheduled.startSec,
      buffer,
    });
    const first = !turn.started;
    turn.started = true;
    if (first) {
      const atPerfMs = performance.now() + (scheduled.startSec - heardTime(context)) * 1000;
      this.options.firstAudio?.(chunk.turnId, atPerfMs, context.state === 'running');
      // atPerfMs is set again when the event fires, from the clock as it then is.
      this.at(scheduled.startSec, { type: 'playback.start', turnId: chunk.turnId, atPerfMs });
    }
    for (const cue of this.sequencer.takeForChunk(chunk.turnId, chunk.text)) {
      this.at(scheduled.startSec, cueEvent(cue));
    }
    this.ensureTicker();
  }

  /**
   * Stops all audio at once. Each turn that was playing gets its report (what was heard, from the
   * clock) and a `playback.end` event. `dropOpenTurn` also drops the turn the server is still
   * producing, so its chunks already on the wire are not played.
   */
  flush(dropOpenTurn: boolean): void {
    if (dropOpenTurn && this.openTurn !== null) {
      this.finishedTurns.add(this.openTurn);
      this.sequencer.drop(this.openTurn);
    }
    this.duck.reset();
    const context = this.options.context();
    if (!context || this.playing.size === 0) {
      this.timeline.clear();
      return;
    }
    const now = heardTime(context);
    for (const [turnId, turn] of this.playing) {
      for (const source of turn.sources) {
        source.onended = null;
        try {
          source.stop();
        } catch {
          // Already stopped.
        }
      }
      const playedMs = this.timeline.playedMs(turnId, now);
      // The caption is cut as the server cuts its transcript; without word times it stays whole.
      const heard = turn.words.length > 0 ? heardWords(turn.words, playedMs) : undefined;
      this.reportPlayback(turnId, playedMs, true, heard);
      this.sequencer.drop(turnId);
    }
    this.playing.clear();
    this.timeline.clear();
    this.timed = [];
  }

  private setVoiceGain(gain: number): void {
    const context = this.options.context();
    if (!context) return;
    const playing = [...this.playing.values()].flatMap((turn) => turn.sources);
    this.duck.set(gain, context, this.options.output ?? context.destination, playing);
  }

  /** Stops the clock that releases timed events: for a player no longer used. */
  dispose(): void {
    this.stopTicker();
  }

  private onCue(cue: ReplyCue): void {
    if (this.finishedTurns.has(cue.turnId)) return;
    // Without audio there is nothing to wait for.
    if (!this.options.context()) this.options.emit(cueEvent(cue));
    else this.sequencer.add(cue);
  }

  private onTurnEnd(turnId: number): void {
    if (this.openTurn === turnId) this.openTurn = null;
    this.lastEndedTurn = Math.max(this.lastEndedTurn, turnId);
    const rest = this.sequencer.takeRest(turnId);
    const end = this.timeline.endOf(turnId);
    const turn = this.playing.get(turnId);
    if (turn && end !== undefined && !this.finishedTurns.has(turnId)) {
      turn.complete = true;
      for (const cue of rest) this.at(end, cueEvent(cue));
      this.ensureTicker();
    } else {
      for (const cue of rest) this.options.emit(cueEvent(cue));
    }
  }

  private reportPlayback(turnId: number, playedMs: number, interrupted: boolean, heardText?: string): void {
    this.finishedTurns.add(turnId);
    this.options.report(turnId, playedMs);
    this.options.emit({
      type: 'playback.end',
      turnId,
      playedMs,
      interrupted,
      ...(heardText !== undefined ? { heardText } : {}),
    });
  }

  private at(atSec: number, event: ReplyEvent): void {
    this.timed.push({ atSec, event });
  }

  /**
   * Fires timed events (captions, expressions, playback start/end) when the heard clock reaches
   * them. A 10 ms interval rather than `setTimeout` per event: it follows the audio clock even when
   * the context is suspended or drifts from the wall clock.
   */
  private ensureTicker(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tick(), 10);
    this.tick();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  private tick(): void {
    const context = this.options.context();
    if (!context) {
      this.stopTicker();
      return;
    }
    const now = heardTime(context);
    if (this.timed.length > 0) {
      const due = this.timed.filter((t) => t.atSec <= now);
      if (due.length > 0) {
        this.timed = this.timed.filter((t) => t.atSec > now);
        for (const t of due) {
          if (t.event.type === 'playback.start') {
            t.event.atPerfMs = performance.now() - (now - t.atSec) * 1000;
          }
          this.options.emit(t.event);
        }
      }
    }
    for (const [turnId, turn] of this.playing) {
      const end = this.timeline.endOf(turnId);
      if (turn.complete && end !== undefined && now >= end) {
        this.playing.delete(turnId);
        this.reportPlayback(turnId, this.timeline.durationMs(turnId), false);
        this.timeline.remove(turnId);
      }
    }
    if (this.timed.length === 0 && this.playing.size === 0) this.stopTicker();
  }
}

function cueEvent(cue: ReplyCue): ReplyEvent {
  return cue.kind === 'caption'
    ? { type: 'caption', speaker: 'agent', turnId: cue.turnId, text: cue.text, final: true }
    : { type: 'expression.show', turnId: cue.turnId, expression: cue.expression, intensity: cue.intensity };
}
