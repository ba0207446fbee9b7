// `npm start` runs compiled JavaScript. Build first when dist/ is missing or older than src/,
// so `npm install && npm start` works on a fresh clone and never compiles per request.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const p = join(dir, e.name)
    return Math.max(max, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }, 0)

const entry = 'dist/main.js'
const stale = !existsSync(entry) || statSync(entry).mtimeMs < Math.max(newest('src'), statSync('tsconfig.json').mtimeMs)
if (stale) {
  console.error('gatehouse: compiling src/ to dist/ ...')
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' })
}
