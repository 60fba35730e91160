#!/usr/bin/env node
// Entry point for the `orderflow` binary: registers tsx so that Node runs the TypeScript sources
// as they are, because the monorepo has no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
