// Runs inside a fresh project that installed the packed tarball (see installed-package.test.ts):
// the examples, compiled against the installed package's types, driven over real sockets.
import type { AddressInfo } from 'node:net'
import { buildNotesApi } from './embedded.js'
import { buildReportsApi as expressApi } from './express-resource-server.js'
import { buildReportsApi as fastifyApi } from './fastify-resource-server.js'
import { buildReportsApi as honoApi } from './hono-resource-server.js'

const gatehouse = await buildNotesApi({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent', RATE_LIMIT: 'off', ISSUER: 'https://auth.example.test' })
await gatehouse.app.listen({ host: '127.0.0.1', port: 0 })
const base = `http://127.0.0.1:${(gatehouse.app.server.address() as AddressInfo).port}`

const json = async (res: Response) => ({ status: res.status, body: await res.json() })
const register = await json(
  await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'correct horse battery' }),
  }),
)
const token = await json(await fetch(`${base}/token`, { method: 'POST', body: new URLSearchParams({ username: 'alice', password: 'correct horse battery' }) }))
const auth = { authorization: `Bearer ${token.body.access_token}` }
const notes = await json(await fetch(`${base}/notes`, { headers: auth }))
const anonymous = await fetch(`${base}/notes`)

// The resource servers check tokens against the JWKS fetched from this Gatehouse's socket.
const issuer = gatehouse.config.issuer
const jwks = `${base}/.well-known/jwks.json`
const fastify = await fastifyApi(issuer, jwks)
const fastifyAt = await fastify.listen({ host: '127.0.0.1', port: 0 })
const express = expressApi(issuer, jwks)
const server = express.listen(0, '127.0.0.1')
await new Promise((r) => server.once('listening', r))
const expressAt = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const hono = honoApi(issuer, jwks)

const results = {
  register: register.status,
  notes,
  anonymous: { status: anonymous.status, challenge: anonymous.headers.get('www-authenticate') },
  fastify: await json(await fetch(`${fastifyAt}/reports`, { headers: auth })),
  fastifyAdmin: (await fetch(`${fastifyAt}/reports/all`, { headers: auth })).status,
  express: await json(await fetch(`${expressAt}/reports`, { headers: auth })),
  expressAnonymous: (await fetch(`${expressAt}/reports`)).status,
  hono: await json(await hono.request('/reports', { headers: auth })),
}
console.log(JSON.stringify(results))
server.close()
await fastify.close()
await gatehouse.close()
