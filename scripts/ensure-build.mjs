// Gatehouse runs compiled JavaScript. Build first when dist/ is missing or older than src/, so a
// fresh clone works with `npm start` or `npx gatehouse` and nothing compiles per request.
// Paths are relative to this file, so the bin works from any directory.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const p = join(dir, e.name)
    return Math.max(max, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }, 0)

export function ensureBuilt() {
  const src = join(ROOT, 'src')
  const entry = join(ROOT, 'dist', 'main.js')
  if (!existsSync(src)) return // an installed package ships dist/ only
  const stale = !existsSync(entry) || statSync(entry).mtimeMs < Math.max(newest(src), statSync(join(ROOT, 'tsconfig.json')).mtimeMs)
  if (!stale) return
  process.stderr.write('gatehouse: compiling src/ to dist/ ...\n')
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' })
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensureBuilt()
