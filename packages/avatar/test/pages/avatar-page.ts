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
})
  .then((avatar) => {
    w.avatar = avatar;
    w.ready = true;
  })
  .catch((e) => {
    w.error = String(e);
    w.ready = true;
  });
