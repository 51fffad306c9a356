#!/usr/bin/env node
// Entry point for the `fusion` command: loads the TypeScript sources through tsx,
// so the CLI runs from a fresh clone without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
