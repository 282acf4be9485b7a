// Test page: creates an avatar in #app and exposes it to the test as window.avatar.
import { createAvatar } from '../../src/index.js';

const app = document.getElementById('app') as HTMLElement;
const params = new URLSearchParams(location.search);
app.style.width = `${innerWidth}px`;
app.style.height = `${innerHeight}px`;
const w = window as unknown as Record<string, unknown>;
w.createAvatar = createAvatar;
createAvatar(app, {
  autoStart: params.get('autoStart') === '1',
  seed: 7,
  reducedMotion: params.get('reducedMotion') === '1',
  ...(params.get('character') ? { look: { character: params.get('character') as 'maya' } } : {}),
  ...(params.get('quality') ? { quality: params.get('quality') as 'low' } : {}),
  ...(params.get('renderer') ? { renderer: params.get('renderer') as 'svg' } : {}),
})
  .then((avatar) => {
    w.avatar = avatar;
    // Morph influences of the built-in character's meshes, by mesh and target name.
    w.influences = () => {
      const out: Record<string, Record<string, number>> = {};
      const three = avatar as unknown as { scene?: import('three').Scene };
      three.scene?.traverse((o) => {
        const mesh = o as import('three').Mesh;
        if (!mesh.morphTargetDictionary || !mesh.morphTargetInfluences) return;
        const m: Record<string, number> = {};
        for (const [name, i] of Object.entries(mesh.morphTargetDictionary))
          m[name] = mesh.morphTargetInfluences[i] ?? 0;
        out[mesh.name] = m;
      });
      return out;
    };
    w.ready = true;
  })
  .catch((e) => {
    w.error = String(e);
    w.ready = true;
  });
