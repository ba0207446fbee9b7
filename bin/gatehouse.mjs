#!/usr/bin/env node
// `gatehouse <command>` (npx gatehouse, npm start): compile when stale, then run the CLI.
import { ensureBuilt } from '../scripts/ensure-build.mjs'

ensureBuilt()
await import('../dist/main.js')
