import type { Mesh, Object3D } from 'three';

interface Binding {
  mesh: Mesh;
  index: number;
}

interface Channel {
  /** Sorted by `at`; the last step is the full shape (at = 1). */
  steps: { at: number; bindings: Binding[] }[];
}

/** `eyeBlinkLeft@0.333` is the in-between of channel `eyeBlinkLeft` at weight 0.333. */
function parseTargetName(name: string): { channel: string; at: number } {
  const m = /^(.*)@(0?\.\d+|1(?:\.0*)?)$/.exec(name);
  if (!m) return { channel: name, at: 1 };
  return { channel: m[1] as string, at: Number(m[2]) };
}

/**
 * Sets morph target influences by name on every mesh under a root. Targets named `channel@t`
 * are in-between shapes: a channel weight w is spread over the two steps around it, so the
 * shape moves through each in-between (piecewise linear) instead of straight from rest to full.
 */
export class MeshMorphRig {
  private readonly channelMap = new Map<string, Channel>();
  private readonly meshes: Mesh[] = [];

  constructor(root: Object3D) {
    root.traverse((object) => {
      const mesh = object as Mesh;
      if (!mesh.isMesh || !mesh.morphTargetDictionary || !mesh.morphTargetInfluences) return;
      this.meshes.push(mesh);
      for (const [name, index] of Object.entries(mesh.morphTargetDictionary)) {
        const { channel, at } = parseTargetName(name);
        let c = this.channelMap.get(channel);
        if (!c) {
          c = { steps: [] };
          this.channelMap.set(channel, c);
        }
        let step = c.steps.find((s) => Math.abs(s.at - at) < 1e-6);
        if (!step) {
          step = { at, bindings: [] };
          c.steps.push(step);
          c.steps.sort((a, b) => a.at - b.at);
        }
        step.bindings.push({ mesh, index });
      }
    });
  }

  /** Channel names (in-betweens folded into their channel). */
  get channels(): string[] {
    return [...this.channelMap.keys()];
  }

  has(channel: string): boolean {
    return this.channelMap.has(channel);
  }

  /** Sets the given channels; channels not mentioned keep their current influence. */
  apply(weights: Readonly<Record<string, number>>): void {
    for (const [name, raw] of Object.entries(weights)) {
      const channel = this.channelMap.get(name);
      if (!channel) continue;
      const w = Math.min(1, Math.max(0, raw));
      let previous = 0;
      for (const step of channel.steps) for (const b of step.bindings) this.set(b, 0);
      for (let i = 0; i < channel.steps.length; i++) {
        const step = channel.steps[i] as Channel['steps'][number];
        const next = channel.steps[i + 1];
        if (w <= step.at || !next) {
          // w lies between the previous step (or rest) and this one.
          const span = step.at - previous;
          const k = span > 0 ? Math.min(1, (w - previous) / span) : 1;
          for (const b of step.bindings) this.set(b, k);
          if (i > 0)
            for (const b of (channel.steps[i - 1] as Channel['steps'][number]).bindings) this.set(b, 1 - k);
          break;
        }
        previous = step.at;
      }
    }
  }

  /** Current influence of a channel's full shape on the first mesh that has it (for tests). */
  influence(channel: string): number {
    const c = this.channelMap.get(channel);
    const b = c?.steps[c.steps.length - 1]?.bindings[0];
    return b ? (b.mesh.morphTargetInfluences?.[b.index] ?? 0) : 0;
  }

  private set(b: Binding, value: number): void {
    const influences = b.mesh.morphTargetInfluences;
    if (influences) influences[b.index] = value;
  }
}
