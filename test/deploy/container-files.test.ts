// The container files, as far as a machine without a container engine can check them: the image is
// never built here and the compose stack never started (the README's "Containers" says so). The
// Dockerfile goes through dockerfile-utils (the Docker language server's validator) with every
// rule an error, then through the practices below; compose.yaml is parsed and its references are
// followed (services, volumes, mounted files, networks, the proxy address, nginx's upstreams).
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ValidationSeverity, validate } from 'dockerfile-utils'
import { parseDocument } from 'yaml'
import { ROOT } from '../helpers/process.js'

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8')
const DOCKERFILE = read('Dockerfile')
const E = ValidationSeverity.ERROR
const EVERY_RULE = {
  deprecatedMaintainer: E,
  directiveCasing: E,
  emptyContinuationLine: E,
  instructionCasing: E,
  instructionCmdMultiple: E,
  instructionEntrypointMultiple: E,
  instructionHealthcheckMultiple: E,
  instructionJSONInSingleQuotes: E,
  instructionWorkdirRelative: E,
}

const lint = (text: string) => validate(text, EVERY_RULE).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)

interface Instruction {
  keyword: string
  args: string
  line: number
}

/** The instructions of a Dockerfile, continuation lines joined, comments dropped, split into stages. */
function stages(text: string): Instruction[][] {
  const out: Instruction[][] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const start = i
    let line = lines[i]!
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line)
    if (!m || line.trim().startsWith('#')) continue
    const ins = { keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 }
    if (ins.keyword === 'FROM') out.push([])
    out.at(-1)?.push(ins)
  }
  return out
}

/** What the linter does not check and this image relies on; one line per problem. */
function practices(text: string, root: string, dockerignore: string): string[] {
  const problems: string[] = []
  const all = stages(text)
  const ignored = dockerignore.split('\n').map((l) => l.trim())
  const names = all.map((s) => /\bAS\s+(\S+)/i.exec(s[0]!.args)?.[1])
  for (const [n, stage] of all.entries()) {
    const image = stage[0]!.args.split(/\s+/)[0]!
    if (!/[:@]/.test(image) || /:latest$/.test(image)) problems.push(`line ${stage[0]!.line}: base image ${image} is not pinned to a tag`)
    for (const ins of stage) {
      const at = `line ${ins.line}`
      if (ins.keyword === 'RUN' && /apt-get update/.test(ins.args)) {
        if (!/apt-get install -y --no-install-recommends /.test(ins.args)) problems.push(`${at}: apt-get install without -y --no-install-recommends`)
        if (!/rm -rf \/var\/lib\/apt\/lists\/\*/.test(ins.args)) problems.push(`${at}: apt lists not removed in the layer that fetched them`)
      }
      if ((ins.keyword === 'CMD' || ins.keyword === 'ENTRYPOINT') && !ins.args.startsWith('['))
        problems.push(`${at}: ${ins.keyword} not in exec form (signals would not reach node)`)
      if (ins.keyword === 'COPY') {
        const from = /--from=(\S+)/.exec(ins.args)?.[1]
        const parts = ins.args.split(/\s+/).filter((a) => !a.startsWith('--'))
        if (from !== undefined) {
          if (!names.slice(0, n).includes(from)) problems.push(`${at}: COPY --from=${from} names no earlier stage`)
          continue
        }
        for (const src of parts.slice(0, -1)) {
          if (!existsSync(join(root, src))) problems.push(`${at}: COPY source ${src} does not exist`)
          if (ignored.includes(src.replace(/^\.\//, '').replace(/\/$/, ''))) problems.push(`${at}: COPY source ${src} is in .dockerignore`)
        }
      }
    }
  }
  const final = all.at(-1) ?? []
  const user = final.filter((i) => i.keyword === 'USER').at(-1)?.args
  if (!user || /^(root|0)(:|$)/.test(user)) problems.push('the final stage runs as root')
  if (!final.some((i) => i.keyword === 'HEALTHCHECK')) problems.push('the final stage has no HEALTHCHECK')
  for (const entry of ['node_modules', '.env', 'data', '.git', 'dist']) {
    if (!ignored.includes(entry)) problems.push(`.dockerignore does not exclude ${entry}`)
  }
  return problems
}

test('Dockerfile: dockerfile-utils finds nothing with every rule an error (control: it does find a broken variant)', () => {
  assert.deepEqual(lint(DOCKERFILE), [])
  const broken = DOCKERFILE.replace('--interval=10s', '--interval=10x').replace('WORKDIR /app', 'workdir app').replace('EXPOSE 8000', 'EXPOSE 80000')
  const found = lint(broken)
  assert.ok(found.length >= 3, found.join('\n'))
})

test('Dockerfile: pinned bases, an unprivileged final stage with a healthcheck, apt lists removed, exec-form CMD, COPY sources that exist and are not ignored', () => {
  const dockerignore = read('.dockerignore')
  assert.deepEqual(practices(DOCKERFILE, ROOT, dockerignore), [])
  const bad = [
    'FROM node AS build',
    'RUN apt-get update && apt-get install python3',
    'COPY package.json nope.json ./',
    'FROM node:latest',
    'COPY --from=builder /app/dist ./dist',
    'CMD node dist/main.js',
  ].join('\n')
  assert.deepEqual(practices(bad, ROOT, 'node_modules\n.env\npackage.json\n'), [
    'line 1: base image node is not pinned to a tag',
    'line 2: apt-get install without -y --no-install-recommends',
    'line 2: apt lists not removed in the layer that fetched them',
    'line 3: COPY source package.json is in .dockerignore',
    'line 3: COPY source nope.json does not exist',
    'line 4: base image node:latest is not pinned to a tag',
    'line 5: COPY --from=builder names no earlier stage',
    'line 6: CMD not in exec form (signals would not reach node)',
    'the final stage runs as root',
    'the final stage has no HEALTHCHECK',
    '.dockerignore does not exclude data',
    '.dockerignore does not exclude .git',
    '.dockerignore does not exclude dist',
  ])
})

type Service = {
  build?: string
  image?: string
  environment?: Record<string, unknown>
  depends_on?: string[] | Record<string, { condition?: string }>
  volumes?: string[]
  networks?: string[] | Record<string, { ipv4_address?: string } | null>
  healthcheck?: unknown
}
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown>; networks?: Record<string, { ipam?: { config?: { subnet: string }[] } }> }

const inSubnet = (address: string, cidr: string) => {
  const [net, bits] = cidr.split('/') as [string, string]
  const n = (a: string) => a.split('.').reduce((v, o) => v * 256 + Number(o), 0)
  const size = 2 ** (32 - Number(bits))
  return Math.floor(n(address) / size) === Math.floor(n(net) / size)
}

/** compose.yaml's references that do not resolve; one line per problem. */
function composeProblems(text: string, root: string, nginx: string): string[] {
  const doc = parseDocument(text)
  const problems = [...doc.errors, ...doc.warnings].map((e) => `YAML: ${e.message}`)
  if (problems.length > 0) return problems
  const compose = doc.toJS() as Compose
  const services = compose.services ?? {}
  for (const [name, s] of Object.entries(services)) {
    if (s.build !== undefined && !existsSync(join(root, s.build, 'Dockerfile'))) problems.push(`${name}: build context ${s.build} has no Dockerfile`)
    if (s.build === undefined && !s.image) problems.push(`${name}: neither build nor image`)
    const deps: Record<string, { condition?: string }> = Array.isArray(s.depends_on)
      ? Object.fromEntries(s.depends_on.map((d) => [d, {}]))
      : (s.depends_on ?? {})
    for (const [dep, how] of Object.entries(deps)) {
      if (!services[dep]) problems.push(`${name}: depends on ${dep}, which is not a service`)
      else if (how.condition === 'service_healthy' && !services[dep].healthcheck)
        problems.push(`${name}: waits for ${dep} to be healthy, which has no healthcheck`)
    }
    for (const v of s.volumes ?? []) {
      const source = v.split(':')[0]!
      if (source.startsWith('.') || source.startsWith('/')) {
        if (!existsSync(join(root, source))) problems.push(`${name}: mounts ${source}, which does not exist`)
      } else if (!compose.volumes || !(source in compose.volumes)) problems.push(`${name}: volume ${source} is not declared`)
    }
    const networks = Array.isArray(s.networks) ? Object.fromEntries(s.networks.map((n) => [n, null])) : (s.networks ?? {})
    for (const [net, how] of Object.entries(networks)) {
      const declared = compose.networks?.[net]
      if (!declared) problems.push(`${name}: network ${net} is not declared`)
      const subnet = declared?.ipam?.config?.[0]?.subnet
      if (how?.ipv4_address && subnet && !inSubnet(how.ipv4_address, subnet)) problems.push(`${name}: ${how.ipv4_address} is outside ${subnet}`)
    }
    for (const [key, value] of Object.entries(s.environment ?? {})) {
      if (typeof value !== 'string') problems.push(`${name}: ${key} is not a string (quote it)`)
    }
  }
  // Gatehouse's instances: the proxy they trust is the load balancer's fixed address, their
  // database and Redis are services, and nginx sends to exactly them.
  const gatehouses = Object.entries(services).filter(([, s]) => s.build !== undefined)
  const proxies = Object.values(services).flatMap((s) => Object.values(Array.isArray(s.networks) ? {} : (s.networks ?? {})).map((n) => n?.ipv4_address))
  for (const [name, s] of gatehouses) {
    const env = (s.environment ?? {}) as Record<string, string>
    if (!proxies.includes(env.TRUST_PROXY)) problems.push(`${name}: TRUST_PROXY ${env.TRUST_PROXY} is no service's fixed address`)
    for (const key of ['DATABASE_URL', 'REDIS_URL']) {
      const host = env[key] ? new URL(env[key]).hostname : undefined
      if (!host || !services[host]) problems.push(`${name}: ${key} host ${host} is not a service`)
    }
    const db = new URL(env.DATABASE_URL ?? 'postgres://x')
    const pg = (services[db.hostname]?.environment ?? {}) as Record<string, string>
    if (pg.POSTGRES_USER !== db.username || pg.POSTGRES_PASSWORD !== db.password || pg.POSTGRES_DB !== db.pathname.slice(1)) {
      problems.push(`${name}: DATABASE_URL does not match ${db.hostname}'s POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB`)
    }
  }
  const upstreams = [...nginx.matchAll(/^\s*server\s+([\w-]+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`)
  assert.ok(/ENV .*\bPORT=8000\b/.test(DOCKERFILE), 'the image serves on 8000')
  if (
    upstreams.sort().join(' ') !==
    gatehouses
      .map(([n]) => `${n}:8000`)
      .sort()
      .join(' ')
  ) {
    problems.push(`nginx upstreams ${upstreams.join(' ')} are not the Gatehouse services on port 8000`)
  }
  return problems
}

test('compose.yaml parses, and every service, volume, mounted file, network, address and upstream it names exists', () => {
  const compose = read('compose.yaml')
  const nginx = read('deploy/nginx.conf')
  assert.deepEqual(composeProblems(compose, ROOT, nginx), [])
  assert.match(composeProblems('services: [unclosed', ROOT, nginx)[0] ?? '', /^YAML: /)
  const broken = compose
    .replace('postgres: { condition: service_healthy }', 'postgress: { condition: service_healthy }')
    .replace('./deploy/nginx.conf:', './deploy/nginx.cfg:')
    .replace('TRUST_PROXY: 172.28.0.10', 'TRUST_PROXY: 172.28.0.11')
    .replace('METRICS_PORT: "9464"', 'METRICS_PORT: 9464')
  assert.notEqual(broken, compose)
  assert.deepEqual(composeProblems(broken, ROOT, nginx.replace('gatehouse-b:8000', 'gatehouse-c:8000')), [
    'gatehouse-a: depends on postgress, which is not a service',
    'gatehouse-a: METRICS_PORT is not a string (quote it)',
    'gatehouse-b: depends on postgress, which is not a service',
    'gatehouse-b: METRICS_PORT is not a string (quote it)',
    'lb: mounts ./deploy/nginx.cfg, which does not exist',
    "gatehouse-a: TRUST_PROXY 172.28.0.11 is no service's fixed address",
    "gatehouse-b: TRUST_PROXY 172.28.0.11 is no service's fixed address",
    'nginx upstreams gatehouse-a:8000 gatehouse-c:8000 are not the Gatehouse services on port 8000',
  ])
})
