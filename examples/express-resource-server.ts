// An Express service that accepts Gatehouse's tokens: checked offline against its JWKS.
// Run it: GATEHOUSE_ISSUER=http://127.0.0.1:8000 npx tsx examples/express-resource-server.ts
import express from 'express'
import { expressGuards, principalOf } from 'gatehouse/express'
import { createRemoteVerifier } from 'gatehouse/verifier'

export function buildReportsApi(issuer: string, jwksUrl?: string) {
  const guards = expressGuards(createRemoteVerifier({ issuer, audience: 'gatehouse', jwksUrl }))
  const app = express()

  app.get('/reports', guards.requireUser(), (req, res) => {
    res.json({ owner: principalOf(req).username })
  })
  app.get('/reports/all', guards.requireScope('admin'), (_req, res) => {
    res.json({ reports: [] })
  })
  return app
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 8003)
  buildReportsApi(process.env.GATEHOUSE_ISSUER ?? 'http://127.0.0.1:8000').listen(port, () => console.log(`reports API on :${port}`))
}
