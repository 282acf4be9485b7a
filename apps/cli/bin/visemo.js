#!/usr/bin/env -S node --disable-warning=ExperimentalWarning
// Runs the TypeScript entry point through tsx, so the command works without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
