// The README as a new user follows it: its shell blocks run in order, in one bash session (the
// walk-through's TOKEN=$(...) carries into the later blocks, as in one terminal), against a fresh
// Gatehouse server (the compiled server as a real process, on a random port); its TypeScript
// blocks must be the example files they say they are, byte for byte (those files are compiled
// and run by test/examples.test.ts, test/guards/frameworks.test.ts and the package test).
//
// A marker on the line before a fence says what a block is:
//   <!-- doc-test -->                  a ```sh block that runs here
//   <!-- doc-test: skip, <reason> -->  a ```sh block that cannot run in a test of this kind: it
//                                      installs, serves until stopped, asks on a terminal or needs
//                                      a container engine; the reason names the test that runs
//                                      those commands where one does (npm install and npm start:
//                                      CI's npm ci, and test/process/server-process.test.ts runs
//                                      the compiled server that npm start runs)
//   <!-- file: examples/x.ts -->       a ```ts block that is that file
// Every ```sh block needs one of the first two and every ```ts block the third, so no command or
// code reaches the README untested.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { before, test } from 'node:test'
import { BIN, ensureBuild, ROOT, start, stop } from '../helpers/process.js'

before(ensureBuild)

interface Block {
  lang: string
  body: string
  /** The HTML comment on the line before the fence, without `<!--` and `-->`, or null. */
  marker: string | null
  /** 1-based line of the opening fence. */
  line: number
}

/** Every fenced block of a Markdown text, with the marker before it. Refuses an unclosed fence. */
function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n')
  const blocks: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!)
    if (!open) continue
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l))
    if (end < 0) throw new Error(`line ${i + 1}: the fence is never closed`)
    let k = i - 1
    while (k >= 0 && lines[k]!.trim() === '') k--
    const comment = k >= 0 ? /^<!--\s*(.*?)\s*-->$/.exec(lines[k]!.trim()) : null
    blocks.push({ lang: open[1]!, body: `${lines.slice(i + 1, end).join('\n')}\n`, marker: comment ? comment[1]! : null, line: i + 1 })
    i = end
  }
  return blocks
}

const SHELLS = new Set(['sh', 'bash', 'shell'])
const LANGUAGES = new Set([...SHELLS, 'ts', 'text', 'json'])
const isRun = (b: Block) => SHELLS.has(b.lang) && b.marker === 'doc-test'
const skipReason = (b: Block) => (b.marker?.startsWith('doc-test: skip') ? b.marker.replace(/^doc-test: skip,?\s*/, '') : null)

const MARK = '@@doc-test block'

interface Run {
  code: number | null
  /** Output of each block, by its index in the script; the failing block's is the last. */
  outputs: string[]
  stderr: string
  /** Index of the block that was running when the script stopped (the last, when it completed). */
  reached: number
  completed: boolean
  /** How long each completed block took. */
  seconds: number[]
}

/** Runs the blocks in order in one `bash` (set -euo pipefail: any failing command fails its block). */
function runBlocks(bodies: string[], cwd: string, env: Record<string, string>, timeoutMs = 180_000): Promise<Run> {
  // Each marker on stderr carries the time, so the test can say how long each block took.
  const parts = bodies.flatMap((body, i) => [`printf '\\n${MARK} %d\\n' ${i}`, `printf '${MARK} %d %s\\n' ${i} "\${EPOCHREALTIME:-0}" >&2`, body])
  const script = ['set -euo pipefail', ...parts, `printf '${MARK} end %s\\n' "\${EPOCHREALTIME:-0}" >&2`, `printf '\\n${MARK} end\\n'`].join('\n')
  const file = join(cwd, 'readme-blocks.sh')
  writeFileSync(file, script)
  return new Promise((resolve) => {
    execFile('bash', [file], { cwd, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const pieces = stdout.split(new RegExp(`\\n?${MARK} (\\d+|end)\\n`))
      // pieces: [before, index0, output0, index1, output1, ..., 'end', '']
      const outputs: string[] = []
      let reached = -1
      let completed = false
      for (let p = 1; p < pieces.length; p += 2) {
        if (pieces[p] === 'end') completed = true
        else {
          reached = Number(pieces[p])
          outputs[reached] = pieces[p + 1] ?? ''
        }
      }
      const times = [...stderr.matchAll(new RegExp(`^${MARK} (?:\\d+|end) ([\\d.]+)$`, 'gm'))].map((m) => Number(m[1]))
      const seconds = times.slice(1).map((t, i) => t - times[i]!)
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code as number) : null) : 0
      resolve({ code, outputs, stderr, reached, completed: completed && code === 0, seconds })
    })
  })
}

/** Where `actual` first differs from `expected`, for a readable failure. */
function firstDifference(expected: string, actual: string): string {
  const [e, a] = [expected.split('\n'), actual.split('\n')]
  const i = e.findIndex((line, n) => line !== a[n])
  const at = i < 0 ? e.length : i
  return `line ${at + 1}: file has ${JSON.stringify(e[at])}, README has ${JSON.stringify(a[at])}`
}

/** The README's ```ts blocks that differ from the file their marker names (empty when all match). */
function drift(blocks: Block[], root: string): string[] {
  const problems: string[] = []
  for (const b of blocks.filter((b) => b.lang === 'ts')) {
    const file = /^file: (examples\/[\w.-]+\.ts)$/.exec(b.marker ?? '')?.[1]
    if (!file) problems.push(`README line ${b.line}: a ts block without a <!-- file: examples/….ts --> marker`)
    else if (!existsSync(join(root, file))) problems.push(`README line ${b.line}: ${file} does not exist`)
    else {
      const text = readFileSync(join(root, file), 'utf8')
      if (text !== b.body) problems.push(`README line ${b.line} differs from ${file}: ${firstDifference(text, b.body)}`)
    }
  }
  return problems
}

const README = readFileSync(join(ROOT, 'README.md'), 'utf8')
const BLOCKS = fencedBlocks(README)

test('README: every block has a language, every ```sh block is run or skipped for a reason naming real tests and sends forms with --data-urlencode, every ```ts block names its file', () => {
  assert.ok(BLOCKS.length > 10)
  for (const b of BLOCKS) {
    assert.ok(LANGUAGES.has(b.lang), `README line ${b.line}: a fence needs one of the languages ${[...LANGUAGES].join(', ')} (got "${b.lang}")`)
    if (!SHELLS.has(b.lang)) continue
    const reason = skipReason(b)
    assert.ok(
      isRun(b) || (reason !== null && reason.length > 10),
      `README line ${b.line}: a shell block needs <!-- doc-test --> or <!-- doc-test: skip, <why it cannot run here> -->`,
    )
    for (const path of reason?.match(/\btest\/[\w./-]+[\w/]/g) ?? [])
      assert.ok(existsSync(join(ROOT, path)), `README line ${b.line}: the skip names ${path}, which does not exist`)
  }
  // A form goes with --data-urlencode (a password with & or = in it still arrives whole); -d only with a JSON body.
  for (const b of BLOCKS.filter((b) => SHELLS.has(b.lang))) {
    for (const command of b.body
      .replace(/\\\n/g, ' ')
      .split('\n')
      .filter((l) => /\bcurl\b/.test(l))) {
      if (/\s(-d|--data|--data-raw|-F|--form)\s/.test(command)) assert.match(command, /content-type: application\/json/, `README line ${b.line}: ${command}`)
    }
  }
  assert.deepEqual(drift(BLOCKS, ROOT), [])
  const shown = new Set(BLOCKS.map((b) => /^file: (.*)$/.exec(b.marker ?? '')?.[1]).filter(Boolean))
  for (const f of readdirSync(join(ROOT, 'examples'))) assert.ok(shown.has(`examples/${f}`), `examples/${f} is not shown in the README`)
})

test('the checks can fail: a failing command stops its block, and a block that drifts from its file is named', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-doc-self-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const run = await runBlocks(['echo one', 'X=$(false)\necho unreachable', 'echo three'], dir, { PATH: process.env.PATH ?? '' })
  assert.equal(run.completed, false)
  assert.equal(run.reached, 1, 'the failing block is the one reported')
  assert.equal(run.outputs[0]!.trim(), 'one')
  assert.equal(run.outputs[1]!.trim(), '', 'nothing after the failing command ran')
  const ok = await runBlocks(['A=1', 'echo "a=$A"'], dir, { PATH: process.env.PATH ?? '' })
  assert.equal(ok.completed, true)
  assert.equal(ok.outputs[1]!.trim(), 'a=1', 'variables carry from block to block')

  const file = 'examples/embedded.ts'
  const body = readFileSync(join(ROOT, file), 'utf8')
  const edited = body.replace("requireScope('admin')", "requireScope('root')")
  assert.notEqual(edited, body)
  const marked = (text: string) => fencedBlocks(`<!-- file: ${file} -->\n\`\`\`ts\n${text}\`\`\`\n`)
  assert.deepEqual(drift(marked(body), ROOT), [], 'control: the file itself matches')
  assert.match(drift(marked(edited), ROOT)[0] ?? '', /differs from examples\/embedded\.ts: line \d+/)
  assert.match(drift(fencedBlocks('```ts\nconst x = 1\n```\n'), ROOT)[0] ?? '', /without a <!-- file/)
})

/** What each run block must print, in order (every run block has an entry, and each entry one block). */
const EXPECTED: { block: RegExp; output: RegExp[] }[] = [
  {
    block: /curl .*\/register/,
    output: [
      /^\{"id":"[^"]+","username":"johndoe","email":"john@example\.com","email_verified":false,"pending_email":null,"roles":\["user"\]/m,
      /^\{"access_token":"ey[\w-]+\.[\w-]+\.[\w-]+","token_type":"bearer","expires_in":1800,"refresh_token":"[^"]+","scope":"user"\}$/m,
      /^\{"id":"[^"]+","username":"johndoe"/m,
      /^\{"access_token":"ey[\w-]+\.[\w-]+\.[\w-]+",.*"refresh_token":"/m,
      /^204$/m,
      /^\{"detail":"Could not validate credentials"\}$/m,
    ],
  },
  {
    block: /mfa\/totp\/confirm/,
    output: [/^\{"recovery_codes":\["[^"]+"(,"[^"]+"){9}\]\}$/m, /^\{"access_token":"(ey[\w-]+\.[\w-]+\.[\w-]+)"/m, /^\{"access_token":"ey/m],
  },
  {
    block: /users create root --admin --password-stdin/,
    output: [/^created root \(id [\w-]+, roles user admin\)$/m, /^\{"users":\[.*"username":"johndoe".*"username":"root"/m],
  },
  {
    block: /clients create "Billing"/,
    output: [
      /^created client [0-9a-f]{32} \(Billing, confidential\)$/m,
      /^client_id: [0-9a-f]{32}$/m,
      /^client_secret: [\w-]{43}$/m,
      /^\{"client_id":"[0-9a-f]{32}","name":"Reports","confidential":false,"first_party":true,/m,
      /^\{"clients":\[\{"client_id":"[0-9a-f]{32}","name":"Billing","confidential":true,.*\},\{"client_id":"[0-9a-f]{32}","name":"Reports",/m,
    ],
  },
  { block: /keys rotate/, output: [/^new key [\w-]+ \(EdDSA\) published; signs from /m, /^KID +ALG +STATE/m, / active /, / next /] },
  { block: /audit verify/, output: [/^audit log intact: \d+ events; head [0-9a-f]{64}$/m] },
]

/** Each pattern matches, each after the one before it. */
function matchesInOrder(output: string, patterns: RegExp[]): string | null {
  let rest = output
  for (const re of patterns) {
    const m = re.exec(rest)
    if (!m) return `no ${re} in the output after the lines before it`
    rest = rest.slice(m.index + m[0].length)
  }
  return null
}

const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { amr: string[] }

test('README: the shell blocks run in order against a fresh server and print what the README says', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-readme-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  // `npx gatehouse` finds the package's bin as in a project that installed it, never the registry.
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true })
  symlinkSync(BIN, join(dir, 'node_modules', '.bin', 'gatehouse'))
  // oathtool: the stand-in for an authenticator app (see oathtool.mjs), also where a real one is installed.
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  writeFileSync(join(bin, 'oathtool'), `#!/bin/sh\nexec "${process.execPath}" "${join(import.meta.dirname, 'oathtool.mjs')}" "$@"\n`, { mode: 0o755 })

  // The server as `npm start` runs it from this directory (its default ./data/gatehouse.db, which the CLI opens too).
  const server = await start(dir, { PORT: '0' })
  t.after(() => stop(server))

  const runs = BLOCKS.filter(isRun)
  const bodies = runs.map((b) => {
    const body = b.body.replaceAll('http://127.0.0.1:8000', server.base)
    assert.doesNotMatch(body, /:8000\b|localhost/, `README line ${b.line}: a run block may only call http://127.0.0.1:8000 (the server under test)`)
    return body
  })
  for (const e of EXPECTED) assert.equal(runs.filter((b) => e.block.test(b.body)).length, 1, `exactly one run block matches ${e.block}`)
  for (const b of runs)
    assert.ok(
      EXPECTED.some((e) => e.block.test(b.body)),
      `README line ${b.line}: a run block with no expected output here`,
    )

  const t0 = performance.now()
  const run = await runBlocks(bodies, dir, {
    PATH: `${bin}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? dir,
    ROOT_PASSWORD: 'a long admin passphrase',
    DOC_TEST_TOTP_STATE: join(dir, 'totp-step'),
    npm_config_yes: 'false',
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
  })
  t.diagnostic(`${runs.length} blocks ran in ${((performance.now() - t0) / 1000).toFixed(1)} s (${run.seconds.map((s) => s.toFixed(1)).join(' + ')})`)
  const failed = runs[run.reached]
  assert.ok(
    run.completed,
    `README block at line ${failed?.line} failed (exit ${run.code}):\n${failed?.body}\n--- its output:\n${run.outputs[run.reached] ?? ''}\n--- stderr:\n${run.stderr}\n--- server:\n${server.output().slice(-2000)}`,
  )
  runs.forEach((b, i) => {
    const e = EXPECTED.find((e) => e.block.test(b.body))!
    const problem = matchesInOrder(run.outputs[i] ?? '', e.output)
    assert.equal(problem, null, `README block at line ${b.line}: ${problem}\n--- its output:\n${run.outputs[i]}`)
  })

  const totp = run.outputs[runs.findIndex((b) => /mfa\/totp\/confirm/.test(b.body))]!
  const oneStep = /^\{"access_token":"([^"]+)"/m.exec(totp.slice(totp.indexOf('recovery_codes')))![1]!
  assert.deepEqual(payload(oneStep).amr, ['pwd', 'otp', 'mfa'], 'the sign-in with a code is a two-factor session')
})
