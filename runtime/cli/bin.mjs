#!/usr/bin/env node
// The `faascape` command: runs the TypeScript sources directly through tsx.
import '../node-version.mjs';
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
