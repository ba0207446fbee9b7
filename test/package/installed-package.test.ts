// What an integrator meets: the packed tarball installed into an empty project, the examples
// compiled against its published types (no paths mapping, no src/), and run.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { ROOT } from '../helpers/process.js'

const run = promisify(execFile)
const pkg = (await import(join(ROOT, 'package.json'), { with: { type: 'json' } })).default as {
  version: string
  devDependencies: Record<string, string>
}

async function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  try {
    return await run(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 })
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`)
  }
}

/** `npm pack` of this working tree as a release would run it (prepack builds dist/ afresh), in a copy. */
async function packTree(work: string): Promise<string> {
  const stage = join(work, 'stage')
  const { stdout } = await sh('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], ROOT)
  for (const file of stdout.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(stage, file)), { recursive: true })
    try {
      copyFileSync(join(ROOT, file), join(stage, file))
    } catch {
      // a file deleted from the working tree but not yet from the index
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'))
  const packed = await sh('npm', ['pack', '--json', '--pack-destination', work], stage)
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[]
  const files = info!.files.map((f) => f.path)
  assert.ok(
    files.includes('dist/guards/fastify.d.ts') && files.includes('dist/verifier/index.js') && files.includes('bin/gatehouse.mjs') && files.includes('LICENSE'),
    files.join(' '),
  )
  assert.deepEqual(
    files.filter((f) => /^(src|test|examples)\/|\.map$/.test(f)),
    [],
    'no sources, tests or source maps in the tarball',
  )
  return join(work, info!.filename)
}

const INSTALL = ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline']

/** npm's warnings in an install's output (EBADENGINE, deprecations, peer conflicts ...). */
const warningsOf = (out: { stdout: string; stderr: string }) =>
  `${out.stdout}\n${out.stderr}`.split('\n').filter((l) => /\bwarn\b|EBADENGINE|deprecated/i.test(l))

/**
 * A new project with `packageJson`, the tools to type-check TypeScript, and the examples in src/:
 * those that use the package. The relying-party examples (relying-party-*.ts) import openid-client
 * or Auth.js and nothing of Gatehouse's: they are another app's code, type-checked with the
 * repository and run by test/oidc/relying-party-examples.test.ts.
 */
function newProject(work: string, name: string, packageJson: Record<string, unknown> = {}): string {
  const app = join(work, name)
  mkdirSync(join(app, 'src'), { recursive: true })
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name, private: true, type: 'module', ...packageJson }))
  for (const f of readdirSync(join(ROOT, 'examples')).filter((f) => !f.startsWith('relying-party-')))
    copyFileSync(join(ROOT, 'examples', f), join(app, 'src', f))
  copyFileSync(join(import.meta.dirname, 'consumer', 'smoke.ts'), join(app, 'src', 'smoke.ts'))
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        outDir: 'out',
        rootDir: 'src',
        types: ['node'],
        skipLibCheck: false,
      },
      include: ['src'],
    }),
  )
  return app
}

const tools = () => {
  const d = pkg.devDependencies
  return [`typescript@${d.typescript}`, `@types/node@${d['@types/node']}`, `express@${d.express}`, `@types/express@${d['@types/express']}`, `hono@${d.hono}`]
}

/** Fastify installed once, whoever asked for it first, and the version the project has. */
async function fastifyCopies(app: string): Promise<string[]> {
  const { stdout: tree } = await sh('npm', ['ls', '--all', 'fastify'], app)
  return [...new Set(tree.match(/ fastify@[\d.]+/g))].map((v) => v.trim())
}

// The native build of better-sqlite3 is skipped (it compiles for minutes with no prebuilt binary
// reachable) and the project's own, of the same version on the same Node, copied in; `npm ci` of
// this repository is what proves that it builds.
const copyNativeBuild = (app: string) =>
  cpSync(join(ROOT, 'node_modules', 'better-sqlite3', 'build'), join(app, 'node_modules', 'better-sqlite3', 'build'), { recursive: true })

test('npm pack → npm install into an empty project on this Node: no warnings; the examples type-check against the published types and run', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'gh-pack-'))
  t.after(() => rmSync(work, { recursive: true, force: true }))
  const tarball = await packTree(work)
  assert.match(tarball, new RegExp(`gatehouse-${pkg.version.replace(/\./g, '\\.')}\\.tgz$`))

  await t.test('a fresh project: npm install ./gatehouse-x.y.z.tgz', async () => {
    const app = newProject(work, 'fresh')
    const installed = await sh('npm', [...INSTALL, tarball, ...tools()], app)
    assert.deepEqual(warningsOf(installed), [], 'npm install prints no warnings')
    copyNativeBuild(app)
    assert.equal((await fastifyCopies(app)).length, 1, 'one copy of Fastify')
    // Type-checks the consumer against dist/*.d.ts, and (skipLibCheck off) the declarations themselves.
    await sh(join(app, 'node_modules', '.bin', 'tsc'), ['-p', '.'], app)

    const smoke = await sh(process.execPath, [join(app, 'out', 'smoke.js')], app)
    assert.equal(smoke.stderr, '', 'no warnings at run time')
    const r = JSON.parse(smoke.stdout.trim().split('\n').at(-1)!)
    assert.equal(r.register, 201)
    assert.deepEqual(r.notes, { status: 200, body: { owner: 'alice', notes: ['hello, alice'] } })
    assert.deepEqual(r.anonymous, { status: 401, challenge: 'Bearer' })
    assert.deepEqual(r.fastify, { status: 200, body: { owner: 'alice' } })
    assert.equal(r.fastifyAdmin, 403)
    assert.deepEqual(r.express, { status: 200, body: { owner: 'alice' } })
    assert.equal(r.expressAnonymous, 401)
    assert.deepEqual(r.hono, { status: 200, body: { owner: 'alice' } })

    // The CLI from the installed package (no src/ to compile).
    const version = await sh(join(app, 'node_modules', '.bin', 'gatehouse'), ['--version'], app)
    assert.equal(version.stdout.trim(), pkg.version)
  })

  await t.test('a project with its own, older Fastify 5: Gatehouse uses that one, and the Fastify example type-checks against it', async () => {
    // The README's advice for Node 20: Fastify's light-my-request >= 6.8 declares Node 22.
    const app = newProject(work, 'own-fastify', { overrides: { 'light-my-request': '6.6.0' } })
    const own = await sh('npm', [...INSTALL, 'fastify@5.8.0'], app)
    assert.deepEqual(warningsOf(own), [])
    const installed = await sh('npm', [...INSTALL, tarball, ...tools()], app)
    assert.deepEqual(warningsOf(installed), [], 'npm install prints no warnings')
    assert.deepEqual(await fastifyCopies(app), ['fastify@5.8.0'], 'the project keeps its Fastify, and Gatehouse shares it')
    await sh(join(app, 'node_modules', '.bin', 'tsc'), ['-p', '.'], app)
  })
})
