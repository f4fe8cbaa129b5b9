#!/usr/bin/env node
// `npm start`: runs the TypeScript sources directly through tsx (no build step to forget).
import '../node-version.mjs';
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
