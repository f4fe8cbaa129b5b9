#!/usr/bin/env node
// The `faascape` command: runs the TypeScript sources directly through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
