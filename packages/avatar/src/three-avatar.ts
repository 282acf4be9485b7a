import {
  ACESFilmicToneMapping,
  CanvasTexture,
  Color,
  DirectionalLight,
  HemisphereLight,
  PerspectiveCamera,
  Scene,
  SRGBColorSpace,
  type Texture,
  WebGLRenderer,
} from 'three';
import type { AvatarModelSource, AvatarOptions } from './avatar.js';
import { AvatarLoop } from './avatar-loop.js';
import type { FaceState } from './face-channels.js';
import { resolveLook } from './look.js';
import type { AvatarModel } from './models/avatar-model.js';
import { BuiltInModel } from './models/builtin-model.js';

function gradientBackground(): CanvasTexture | null {
  if (typeof document === 'undefined') return null;
  const canvas = document.createElement('canvas');
  canvas.width = 512;
  canvas.height = 512;
  const g = canvas.getContext('2d');
  if (!g) return null;
  const radial = g.createRadialGradient(256, 200, 20, 256, 260, 420);
  radial.addColorStop(0, '#fdf7f0');
  radial.addColorStop(0.45, '#e9eef0');
  radial.addColorStop(1, '#b8cfd6');
  g.fillStyle = radial;
  g.fillRect(0, 0, 512, 512);
  const texture = new CanvasTexture(canvas);
  texture.colorSpace = SRGBColorSpace;
  return texture;
}

/**
 * Drawing-buffer scale on software GL: 0.7 draws half the pixels (fill rate is the limit there)
 * and the browser scales the canvas up.
 */
const LOW_QUALITY_SCALE = 0.7;

/** SwiftShader, llvmpipe and friends: WebGL emulated on the CPU. */
export function isSoftwareRenderer(gl: WebGLRenderingContext | WebGL2RenderingContext): boolean {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  return /swiftshader|llvmpipe|softpipe|software/i.test(name);
}

/** The WebGL avatar: Three.js scene, lights, camera and a model (built-in, glTF or VRM). */
export class ThreeAvatar extends AvatarLoop {
  readonly kind = 'webgl' as const;
  readonly element: HTMLCanvasElement;
  readonly renderer: WebGLRenderer;
  readonly scene = new Scene();
  readonly camera = new PerspectiveCamera(24, 1, 0.1, 100);
  private model: AvatarModel;
  private readonly container: HTMLElement;
  private readonly backgroundTexture: Texture | null = null;
  private cameraDistance = 7;
  /** Whether WebGL runs on the CPU (SwiftShader, llvmpipe); `quality: 'auto'` then draws fewer pixels. */
  readonly softwareRendering: boolean;
  private readonly resizeObserver: ResizeObserver | null = null;

  /** `model` replaces the built-in character from the first frame (see `loadAvatarModel`). */
  constructor(container: HTMLElement, options: AvatarOptions = {}, model?: AvatarModel) {
    super(options);
    this.container = container;
    const probe = document.createElement('canvas').getContext('webgl2');
    this.softwareRendering = probe ? isSoftwareRenderer(probe) : false;
    probe?.getExtension('WEBGL_lose_context')?.loseContext();
    const quality = options.quality ?? 'auto';
    const low = quality === 'low' || (quality === 'auto' && this.softwareRendering);
    // Multisampling costs a lot on software GL and little on a GPU.
    this.renderer = new WebGLRenderer({ antialias: !low, alpha: options.background === 'transparent' });
    const dpr = Math.min(globalThis.devicePixelRatio || 1, 2);
    this.renderer.setPixelRatio(options.pixelRatio ?? (low ? Math.min(dpr, 1) * LOW_QUALITY_SCALE : dpr));
    this.renderer.toneMapping = ACESFilmicToneMapping;
    this.renderer.toneMappingExposure = 1.05;
    this.element = this.renderer.domElement;
    this.element.style.display = 'block';
    container.appendChild(this.element);

    // No environment map: on software GL (SwiftShader) its filtered lookups cost more than half of
    // each frame (measured 1.9 → 4.8 fps at 640×640); lights alone carry the look.

    const background = options.background ?? 'gradient';
    if (background === 'gradient') {
      this.backgroundTexture = gradientBackground();
      this.scene.background = this.backgroundTexture;
    } else if (background !== 'transparent') this.scene.background = new Color(background);

    // Three-point lighting, as for a portrait: a warm key from the upper left strong enough to model
    // the face (about 3:1 against the fill), a cool fill from the right, a rim from behind that
    // separates hair and shoulders from the backdrop; a low sky/ground light for the shadows.
    this.scene.add(new HemisphereLight(0xfff4e8, 0x5a6270, 0.9));
    const key = new DirectionalLight(0xfff0e2, 2.5);
    key.position.set(-5, 4.5, 5);
    const fill = new DirectionalLight(0xdde8ff, 0.7);
    fill.position.set(5, 1, 4);
    const rim = new DirectionalLight(0xfff8f0, 2.2);
    rim.position.set(3, 3.5, -6);
    this.scene.add(key, fill, rim);

    this.model = model ?? new BuiltInModel(resolveLook(options.look));
    this.scene.add(this.model.object);
    this.frameModel();

    this.resize();
    if (typeof ResizeObserver === 'function') {
      this.resizeObserver = new ResizeObserver(() => this.resize());
      this.resizeObserver.observe(container);
    }
    if (options.autoStart ?? true) this.start();
    else this.update(0, 0);
  }

  /** The model being shown. */
  getModel(): AvatarModel {
    return this.model;
  }

  /** Replaces the character with a VRM or glTF/GLB model. */
  async loadModel(source: AvatarModelSource): Promise<AvatarModel> {
    const { loadAvatarModel } = await import('./loaders.js');
    const model = await loadAvatarModel(source);
    this.setModel(model);
    return model;
  }

  setModel(model: AvatarModel): void {
    this.scene.remove(this.model.object);
    this.model.dispose();
    this.model = model;
    this.scene.add(model.object);
    this.frameModel();
  }

  resize(width?: number, height?: number): void {
    const w = Math.max(1, Math.round(width ?? (this.container.clientWidth || 640)));
    const h = Math.max(1, Math.round(height ?? (this.container.clientHeight || 640)));
    this.renderer.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
  }

  protected draw(face: FaceState, dtSec: number): Record<string, number> {
    const weights = this.model.applyFace(face, this.cameraDistance);
    this.model.update(dtSec);
    this.renderer.render(this.scene, this.camera);
    return weights;
  }

  override dispose(): void {
    super.dispose();
    this.resizeObserver?.disconnect();
    this.model.dispose();
    this.backgroundTexture?.dispose();
    this.renderer.dispose();
  }

  private frameModel(): void {
    const { target, distance } = this.model.framing();
    this.cameraDistance = distance;
    this.camera.position.set(target[0], target[1] + distance * 0.03, target[2] + distance);
    this.camera.lookAt(target[0], target[1], target[2]);
  }
}
