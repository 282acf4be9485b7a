import type { AvatarOptions } from './avatar.js';
import { AvatarLoop } from './avatar-loop.js';
import { BUILTIN_CHANNELS } from './builtin-channels.js';
import { detectMorphVocabulary, type FaceState, faceToChannels } from './face-channels.js';
import { type AvatarLook, cssColour, mixHex, resolveLook } from './look.js';
import {
  blendMouth,
  CHANNEL_MOUTH,
  jawDrop,
  type MouthParams,
  mouthSlice,
  VISEME_MOUTH,
} from './mouth-model.js';
import { VISEMES } from './visemes.js';

const NS = 'http://www.w3.org/2000/svg';
/** Face units → SVG units (the built-in head's radius is 1 face unit). */
const S = 118;
const CX = 200;
const CY = 178;
const X = (x: number) => CX + x * S;
const Y = (y: number) => CY - y * S;

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
  parent?: Element,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  parent?.appendChild(node);
  return node;
}

/** Each hair style's outline behind the head and over the forehead. */
const HAIR: Record<AvatarLook['hairStyle'], { back: string; front: string }> = {
  bob: {
    back: `M${X(-1.05)} ${Y(0.2)} C${X(-1.15)} ${Y(-0.3)} ${X(-1.0)} ${Y(-0.6)} ${X(-0.8)} ${Y(-0.62)} L${X(0.8)} ${Y(-0.62)} C${X(1.0)} ${Y(-0.6)} ${X(1.15)} ${Y(-0.3)} ${X(1.05)} ${Y(0.2)} Z`,
    // A side-swept fringe.
    front: `M${X(-0.95)} ${Y(0.15)} C${X(-1.05)} ${Y(0.9)} ${X(-0.5)} ${Y(1.2)} ${X(0.05)} ${Y(1.18)} C${X(0.7)} ${Y(1.15)} ${X(1.05)} ${Y(0.8)} ${X(0.95)} ${Y(0.15)} C${X(0.85)} ${Y(0.45)} ${X(0.7)} ${Y(0.5)} ${X(0.45)} ${Y(0.5)} C${X(0.1)} ${Y(0.5)} ${X(-0.25)} ${Y(0.62)} ${X(-0.42)} ${Y(0.85)} C${X(-0.55)} ${Y(0.65)} ${X(-0.8)} ${Y(0.5)} ${X(-0.95)} ${Y(0.15)} Z`,
  },
  short: {
    back: `M${X(-0.97)} ${Y(0.15)} C${X(-1.02)} ${Y(0.7)} ${X(-0.6)} ${Y(1.16)} ${X(0)} ${Y(1.16)} C${X(0.6)} ${Y(1.16)} ${X(1.02)} ${Y(0.7)} ${X(0.97)} ${Y(0.15)} Z`,
    // A hairline off the forehead, a little higher at the temples.
    front: `M${X(-0.93)} ${Y(0.22)} C${X(-1.0)} ${Y(0.95)} ${X(-0.5)} ${Y(1.2)} ${X(0)} ${Y(1.2)} C${X(0.5)} ${Y(1.2)} ${X(1.0)} ${Y(0.95)} ${X(0.93)} ${Y(0.22)} C${X(0.88)} ${Y(0.52)} ${X(0.74)} ${Y(0.66)} ${X(0.48)} ${Y(0.66)} C${X(0.22)} ${Y(0.72)} ${X(-0.22)} ${Y(0.74)} ${X(-0.48)} ${Y(0.68)} C${X(-0.74)} ${Y(0.66)} ${X(-0.88)} ${Y(0.52)} ${X(-0.93)} ${Y(0.22)} Z`,
  },
};

/** The jaw and upper lip, where stubble shows. */
const STUBBLE = `M${X(-0.82)} ${Y(-0.22)} C${X(-0.8)} ${Y(-0.7)} ${X(-0.4)} ${Y(-1.0)} ${X(0)} ${Y(-1.02)} C${X(0.4)} ${Y(-1.0)} ${X(0.8)} ${Y(-0.7)} ${X(0.82)} ${Y(-0.22)} C${X(0.6)} ${Y(-0.5)} ${X(0.3)} ${Y(-0.3)} ${X(0)} ${Y(-0.33)} C${X(-0.3)} ${Y(-0.3)} ${X(-0.6)} ${Y(-0.5)} ${X(-0.82)} ${Y(-0.22)} Z`;

let faces = 0;

function fmt(n: number): string {
  return n.toFixed(2);
}

/**
 * The 2D fallback used when WebGL is missing: the same character drawn in SVG, with the same
 * mouth shapes per viseme (shared mouth model), blinks, brows and gaze.
 */
export class SvgAvatar extends AvatarLoop {
  readonly kind = 'svg' as const;
  readonly element: SVGSVGElement;
  private readonly parts: {
    cavity: SVGPathElement;
    teethUpper: SVGPathElement;
    teethLower: SVGPathElement;
    tongue: SVGPathElement;
    upperLip: SVGPathElement;
    lowerLip: SVGPathElement;
    mouthClip: SVGPathElement;
    lids: { upper: SVGPathElement; lower: SVGPathElement }[];
    irises: SVGGElement[];
    brows: SVGPathElement[];
    head: SVGGElement;
    shoulders: SVGGElement;
  };
  private readonly vocabulary = detectMorphVocabulary(BUILTIN_CHANNELS);
  private readonly available = new Set(BUILTIN_CHANNELS);

  constructor(container: HTMLElement, options: AvatarOptions = {}) {
    super(options);
    // Ids are the document's: each face needs its own, or a second face paints with the first's.
    const id = `vs${++faces}`;
    const look = resolveLook(options.look);
    const p = look.palette;
    const c = (hex: number) => cssColour(hex);
    const shade = (t: number) => c(mixHex(p.skin, p.skinShadow, t));
    const svg = el('svg', { viewBox: '0 0 400 400', role: 'img', 'aria-label': 'Avatar' });
    svg.style.display = 'block';
    svg.style.width = '100%';
    svg.style.height = '100%';
    this.element = svg;
    svg.setAttribute('data-character', look.character);
    const defs = el('defs', {}, svg);
    const bg = el('radialGradient', { id: `${id}-bg`, cx: '50%', cy: '40%', r: '75%' }, defs);
    el('stop', { offset: '0%', 'stop-color': '#fdf7f0' }, bg);
    el('stop', { offset: '50%', 'stop-color': '#e9eef0' }, bg);
    el('stop', { offset: '100%', 'stop-color': '#b8cfd6' }, bg);
    const skin = el('radialGradient', { id: `${id}-skin`, cx: '42%', cy: '38%', r: '70%' }, defs);
    el('stop', { offset: '0%', 'stop-color': c(mixHex(p.skin, 0xffffff, 0.25)) }, skin);
    el('stop', { offset: '70%', 'stop-color': shade(0.2) }, skin);
    el('stop', { offset: '100%', 'stop-color': shade(0.85) }, skin);
    const hair = el('linearGradient', { id: `${id}-hair`, x1: '0', y1: '0', x2: '0', y2: '1' }, defs);
    el('stop', { offset: '0%', 'stop-color': c(p.hairLight) }, hair);
    el('stop', { offset: '100%', 'stop-color': c(mixHex(p.hair, p.hairLight, 0.3)) }, hair);
    const mouthClip = el('clipPath', { id: `${id}-mouth` }, defs);
    const mouthClipPath = el('path', { d: '' }, mouthClip);
    const background = options.background ?? 'gradient';
    if (background === 'gradient') el('rect', { width: 400, height: 400, fill: `url(#${id}-bg)` }, svg);
    else if (background !== 'transparent') el('rect', { width: 400, height: 400, fill: background }, svg);

    // Shoulders and neck.
    const shoulders = el('g', {}, svg);
    el(
      'path',
      { d: 'M40 400 C50 320 110 292 200 290 C290 292 350 320 360 400 Z', fill: c(p.shirt) },
      shoulders,
    );
    el('path', { d: 'M168 300 Q200 318 232 300 L228 316 Q200 332 172 316 Z', fill: c(p.collar) }, shoulders);
    el('rect', { x: 276, y: 340, width: 38, height: 22, rx: 3, fill: c(p.badge) }, shoulders);
    el('rect', { x: 276, y: 340, width: 38, height: 7, fill: c(p.badgeStripe) }, shoulders);
    el('path', { d: 'M172 250 L172 300 Q200 312 228 300 L228 250 Z', fill: shade(0.55) }, svg);

    const head = el('g', {}, svg);
    // Hair behind the head.
    el('path', { d: HAIR[look.hairStyle].back, fill: `url(#${id}-hair)` }, head);
    for (const side of [-1, 1]) {
      el(
        'ellipse',
        { cx: X(side * 0.86), cy: Y(-0.05), rx: 0.09 * S, ry: 0.17 * S, fill: shade(0.35) },
        head,
      );
    }
    el(
      'path',
      {
        d: `M${X(0)} ${Y(1.06)} C${X(0.62)} ${Y(1.06)} ${X(0.92)} ${Y(0.6)} ${X(0.9)} ${Y(0.05)} C${X(0.88)} ${Y(-0.55)} ${X(0.45)} ${Y(-1.0)} ${X(0)} ${Y(-1.02)} C${X(-0.45)} ${Y(-1.0)} ${X(-0.88)} ${Y(-0.55)} ${X(-0.9)} ${Y(0.05)} C${X(-0.92)} ${Y(0.6)} ${X(-0.62)} ${Y(1.06)} ${X(0)} ${Y(1.06)} Z`,
        fill: `url(#${id}-skin)`,
      },
      head,
    );
    for (const side of [-1, 1]) {
      el(
        'ellipse',
        { cx: X(side * 0.5), cy: Y(-0.22), rx: 0.15 * S, ry: 0.09 * S, fill: c(p.blush), opacity: 0.35 },
        head,
      );
    }
    if (look.stubble > 0) el('path', { d: STUBBLE, fill: c(p.hair), opacity: 0.2 * look.stubble }, head);
    // Eyes: white, iris group (moves with gaze), lids (skin shapes that close).
    const irises: SVGGElement[] = [];
    const lids: { upper: SVGPathElement; lower: SVGPathElement }[] = [];
    for (const side of [1, -1]) {
      const clipId = `${id}-eye-${side > 0 ? 'l' : 'r'}`;
      const clip = el('clipPath', { id: clipId }, defs);
      el('ellipse', { cx: X(side * 0.335), cy: Y(0.035), rx: 0.15 * S, ry: 0.135 * S }, clip);
      const eye = el('g', { 'clip-path': `url(#${clipId})` }, head);
      el('ellipse', { cx: X(side * 0.335), cy: Y(0.035), rx: 0.15 * S, ry: 0.135 * S, fill: '#fbfaf7' }, eye);
      const iris = el('g', {}, eye);
      el('circle', { cx: X(side * 0.335), cy: Y(0.035), r: 0.085 * S, fill: c(p.iris) }, iris);
      el(
        'circle',
        {
          cx: X(side * 0.335),
          cy: Y(0.035),
          r: 0.085 * S,
          fill: 'none',
          stroke: c(mixHex(p.irisDark, 0x000000, 0.3)),
          'stroke-width': 2,
        },
        iris,
      );
      el('circle', { cx: X(side * 0.335), cy: Y(0.035), r: 0.036 * S, fill: '#0d0f12' }, iris);
      el(
        'circle',
        { cx: X(side * 0.335 - 0.035), cy: Y(0.075), r: 0.022 * S, fill: '#fff', opacity: 0.9 },
        iris,
      );
      irises.push(iris);
      const upper = el('path', { d: '', fill: shade(0.25) }, eye);
      const lower = el('path', { d: '', fill: shade(0.25) }, eye);
      lids.push({ upper, lower });
      // Lash line above the eye.
      el(
        'path',
        {
          d: `M${X(side * 0.19)} ${Y(0.07)} Q${X(side * 0.335)} ${Y(0.2)} ${X(side * 0.49)} ${Y(0.09)} L${X(side * 0.52)} ${Y(0.13)}`,
          fill: 'none',
          stroke: c(look.lashes ? p.lash : mixHex(p.skinShadow, p.lash, 0.5)),
          'stroke-width': look.lashes ? 4 : 2.5,
          'stroke-linecap': 'round',
        },
        head,
      );
    }
    const brows = [1, -1].map(() =>
      el(
        'path',
        {
          d: '',
          fill: 'none',
          stroke: c(p.brow),
          'stroke-width': 7 * look.browWeight,
          'stroke-linecap': 'round',
        },
        head,
      ),
    );
    el('ellipse', { cx: X(0), cy: Y(-0.2), rx: 0.075 * S, ry: 0.06 * S, fill: shade(0.6) }, head);
    el(
      'ellipse',
      {
        cx: X(-0.02),
        cy: Y(-0.18),
        rx: 0.03 * S,
        ry: 0.02 * S,
        fill: c(mixHex(p.skin, 0xffffff, 0.4)),
        opacity: 0.8,
      },
      head,
    );
    const mouth = el('g', {}, head);
    const cavity = el('path', { d: '', fill: c(p.mouthInside) }, mouth);
    const inner = el('g', { 'clip-path': `url(#${id}-mouth)` }, mouth);
    const tongue = el('path', { d: '', fill: c(p.tongue) }, inner);
    const teethLower = el('path', { d: '', fill: '#ece6dd' }, inner);
    const teethUpper = el('path', { d: '', fill: c(p.teeth) }, inner);
    const upperLip = el('path', { d: '', fill: c(p.lip) }, mouth);
    const lowerLip = el('path', { d: '', fill: c(p.lip) }, mouth);
    // Hair over the forehead, drawn last so it overlaps the top of the head.
    el('path', { d: HAIR[look.hairStyle].front, fill: `url(#${id}-hair)` }, head);
    this.parts = {
      shoulders,
      cavity,
      teethUpper,
      teethLower,
      tongue,
      upperLip,
      lowerLip,
      mouthClip: mouthClipPath,
      lids,
      irises,
      brows,
      head,
    };
    container.appendChild(svg);
    if (options.autoStart ?? true) this.start();
    else this.update(0, 0);
  }

  resize(): void {
    // The SVG scales with its container through its viewBox.
  }

  protected draw(face: FaceState): Record<string, number> {
    const w = faceToChannels(face, this.vocabulary, this.available);
    const parts: [Partial<MouthParams>, number][] = [];
    for (const v of VISEMES) parts.push([VISEME_MOUTH[v], w[`viseme_${v}`] ?? 0]);
    for (const [name, change] of Object.entries(CHANNEL_MOUTH)) parts.push([change, w[name] ?? 0]);
    this.drawMouth(blendMouth(parts));
    this.drawEyes(face, w);
    this.drawBrows(w);
    const { pose } = face;
    const deg = 180 / Math.PI;
    this.parts.head.setAttribute(
      'transform',
      `translate(${fmt(pose.headYaw * 60)} ${fmt(-pose.headPitch * 60 + pose.breath * 0.8 - pose.shrug * 4)}) rotate(${fmt(-pose.headRoll * deg)} 200 250)`,
    );
    this.parts.shoulders.setAttribute('transform', `translate(0 ${fmt(-pose.shrug * 10)})`);
    return w;
  }

  private drawMouth(p: MouthParams): void {
    const N = 24;
    const drop = jawDrop(p);
    const slices = Array.from({ length: N + 1 }, (_, i) => {
      const s = mouthSlice(p, -1 + (2 * i) / N);
      const d = drop * s.jawFollow;
      return { ...s, lowerInner: s.lowerInner - d, lowerOuter: s.lowerOuter - d };
    });
    const my = -0.47;
    const pt = (x: number, y: number) => `${fmt(X(x))} ${fmt(Y(my + y))}`;
    const line = (key: 'upperOuter' | 'upperInner' | 'lowerInner' | 'lowerOuter', reverse = false) => {
      const list = reverse ? [...slices].reverse() : slices;
      return list.map((s) => pt(s.x, s[key])).join(' L');
    };
    const cavity = `M${line('upperInner')} L${line('lowerInner', true)} Z`;
    this.parts.cavity.setAttribute('d', cavity);
    this.parts.mouthClip.setAttribute('d', cavity);
    this.parts.upperLip.setAttribute('d', `M${line('upperOuter')} L${line('upperInner', true)} Z`);
    this.parts.lowerLip.setAttribute('d', `M${line('lowerInner')} L${line('lowerOuter', true)} Z`);
    const half = 0.2 * 0.8;
    const top = Math.max(...slices.map((s) => s.upperInner));
    const bottom = Math.min(...slices.map((s) => s.lowerInner));
    this.parts.teethUpper.setAttribute(
      'd',
      `M${pt(-half, top + 0.01)} L${pt(half, top + 0.01)} L${pt(half, top - 0.058 * p.teeth)} L${pt(-half, top - 0.058 * p.teeth)} Z`,
    );
    this.parts.teethLower.setAttribute(
      'd',
      `M${pt(-half, bottom - 0.01)} L${pt(half, bottom - 0.01)} L${pt(half, bottom + 0.04 * p.lowerTeeth)} L${pt(-half, bottom + 0.04 * p.lowerTeeth)} Z`,
    );
    const tongueTop = bottom + 0.02 + 0.075 * p.tongue;
    this.parts.tongue.setAttribute(
      'd',
      `M${pt(-0.13, bottom - 0.02)} Q${pt(0, tongueTop + 0.03)} ${pt(0.13, bottom - 0.02)} Z`,
    );
  }

  private drawEyes(face: FaceState, w: Record<string, number>): void {
    const { pose } = face;
    const gx = (pose.gazeYaw - pose.headYaw * 0.8) * 0.22 * S;
    const gy = -(pose.gazePitch - pose.headPitch * 0.8) * 0.22 * S;
    [1, -1].forEach((side, i) => {
      const suffix = side > 0 ? 'Left' : 'Right';
      (this.parts.irises[i] as SVGGElement).setAttribute('transform', `translate(${fmt(gx)} ${fmt(gy)})`);
      const blink = w[`eyeBlink${suffix}`] ?? 0;
      const wide = w[`eyeWide${suffix}`] ?? 0;
      const squint = (w[`eyeSquint${suffix}`] ?? 0) + 0.5 * (w[`cheekSquint${suffix}`] ?? 0);
      const cx = X(side * 0.335);
      const cy = Y(0.035);
      // Upper lid edge height (SVG units above the eye centre): rest slightly covers the iris.
      const upperEdge = (0.085 + 0.05 * wide - 0.03 * squint) * (1 - blink) * S - blink * 0.01 * S;
      const lowerEdge = (0.12 + 0.02 * wide - 0.07 * squint) * (1 - blink) * S;
      const lids = this.parts.lids[i] as { upper: SVGPathElement; lower: SVGPathElement };
      const r = 0.16 * S;
      lids.upper.setAttribute(
        'd',
        `M${fmt(cx - r)} ${fmt(cy - r)} L${fmt(cx + r)} ${fmt(cy - r)} L${fmt(cx + r)} ${fmt(cy)} Q${fmt(cx)} ${fmt(cy - upperEdge * 2)} ${fmt(cx - r)} ${fmt(cy)} Z`,
      );
      lids.lower.setAttribute(
        'd',
        `M${fmt(cx - r)} ${fmt(cy + r)} L${fmt(cx + r)} ${fmt(cy + r)} L${fmt(cx + r)} ${fmt(cy + 2)} Q${fmt(cx)} ${fmt(cy + lowerEdge * 2)} ${fmt(cx - r)} ${fmt(cy + 2)} Z`,
      );
    });
  }

  private drawBrows(w: Record<string, number>): void {
    [1, -1].forEach((side, i) => {
      const suffix = side > 0 ? 'Left' : 'Right';
      const inner = 0.075 * (w.browInnerUp ?? 0) - 0.08 * (w[`browDown${suffix}`] ?? 0);
      const outer = 0.07 * (w[`browOuterUp${suffix}`] ?? 0) - 0.03 * (w[`browDown${suffix}`] ?? 0);
      const x0 = side * 0.16;
      const x1 = side * 0.5;
      const y = 0.3;
      (this.parts.brows[i] as SVGPathElement).setAttribute(
        'd',
        `M${fmt(X(x0))} ${fmt(Y(y + inner))} Q${fmt(X((x0 + x1) / 2))} ${fmt(Y(y + 0.07 + (inner + outer) / 2))} ${fmt(X(x1))} ${fmt(Y(y - 0.02 + outer))}`,
      );
    });
  }
}
