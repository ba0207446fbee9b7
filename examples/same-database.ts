// A separate service on Gatehouse's database: its guards look the session up on every request,
// so a logout, a disabled account or a lost role reaches these routes at once.
// Run it with the Gatehouse server's environment (the same DATABASE_URL, ISSUER, AUDIENCE, JWT_ALG,
// ENCRYPTION_KEY, SMTP_URL ...): npx tsx --env-file=.env examples/same-database.ts
import express from 'express'
import { createGatehouse } from 'gatehouse'
import { expressGuards, principalOf } from 'gatehouse/express'

export async function buildInvoicesApi(env: Record<string, string | undefined> = process.env) {
  // One more Gatehouse instance on that database. The server runs the upkeep (retention, key rotation).
  const gatehouse = await createGatehouse({ env, upkeep: false })
  const guards = expressGuards(gatehouse.verifier)
  const app = express()

  app.get('/invoices', guards.requireUser(), (req, res) => {
    res.json({ owner: principalOf(req).username })
  })
  // The scopes the user's roles grant now: a demoted admin's unexpired token is refused here.
  app.get('/invoices/all', guards.requireScope('admin'), (_req, res) => {
    res.json({ invoices: [] })
  })
  return { app, close: () => gatehouse.close() }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.SERVICE_PORT ?? 8004)
  const { app, close } = await buildInvoicesApi()
  const server = app.listen(port, () => console.log(`invoices API on :${port}`))
  process.once('SIGTERM', () => server.close(() => void close()))
}
