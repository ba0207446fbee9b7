// A Hono service that accepts Gatehouse's tokens: checked offline against its JWKS.
// Serve it with @hono/node-server, Bun or Deno; app.request() runs it in-process.
import { Hono } from 'hono'
import { type GatehouseEnv, honoGuards } from 'gatehouse/hono'
import { createRemoteVerifier } from 'gatehouse/verifier'

export function buildReportsApi(issuer: string, jwksUrl?: string) {
  const guards = honoGuards(createRemoteVerifier({ issuer, audience: 'gatehouse', jwksUrl }))
  const app = new Hono<GatehouseEnv>()

  app.get('/reports', guards.requireUser(), (c) => c.json({ owner: c.get('principal').username }))
  app.get('/reports/all', guards.requireScope('admin'), (c) => c.json({ reports: [] }))
  return app
}
