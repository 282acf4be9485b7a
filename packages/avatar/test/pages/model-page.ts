// Test page: loads a model given by ?model=<file>&format=<vrm|gltf> and exposes helpers.
import type { Mesh } from 'three';
import { createAvatar } from '../../src/index.js';
import type { ThreeAvatar } from '../../src/three-avatar.js';

const app = document.getElementById('app') as HTMLElement;
app.style.width = `${innerWidth}px`;
app.style.height = `${innerHeight}px`;
const params = new URLSearchParams(location.search);
const w = window as unknown as Record<string, unknown>;
const format = params.get('format') as 'vrm' | 'gltf' | null;
createAvatar(app, {
  autoStart: false,
  seed: 3,
  reducedMotion: true,
  renderer: 'webgl',
  model: { url: `/${params.get('model')}`, ...(format ? { format } : {}) },
})
  .then((avatar) => {
    w.avatar = avatar;
    // Morph target influences of every mesh, by target name (max over meshes).
    w.influences = () => {
      const out: Record<string, number> = {};
      (avatar as ThreeAvatar).getModel().object.traverse((o) => {
        const mesh = o as Mesh;
        if (!mesh.morphTargetDictionary || !mesh.morphTargetInfluences) return;
        for (const [name, i] of Object.entries(mesh.morphTargetDictionary)) {
          out[name] = Math.max(out[name] ?? 0, mesh.morphTargetInfluences[i] ?? 0);
        }
      });
      return out;
    };
    w.modelInfo = () => {
      const m = (avatar as ThreeAvatar).getModel();
      return { kind: m.kind, vocabulary: m.vocabulary, channels: [...m.channels] };
    };
    w.ready = true;
  })
  .catch((e) => {
    w.error = String(e?.stack ?? e);
    w.ready = true;
  });
