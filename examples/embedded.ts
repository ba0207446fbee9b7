// Gatehouse inside your service: its routes (/register, /token, /users/me ...) and yours, guarded.
// Run it: npx tsx examples/embedded.ts   (then register, get a token, and GET /notes)
import { createGatehouse } from 'gatehouse'

export async function buildNotesApi(env: Record<string, string | undefined> = process.env) {
  const gatehouse = await createGatehouse({ env })
  const { app } = gatehouse

  // Any signed-in user: 401 without a valid, live bearer token (a logout takes effect at once).
  // onRequest: checked before the body is read, so an anonymous request costs no parsing.
  app.get('/notes', { onRequest: gatehouse.requireUser() }, async (request) => {
    const { user } = gatehouse.currentAuth(request)
    return { owner: user.username, notes: [`hello, ${user.username}`] }
  })

  // Needs the admin scope as well: 403 with WWW-Authenticate: Bearer error="insufficient_scope".
  app.get('/notes/all', { onRequest: gatehouse.requireScope('admin') }, async () => ({ notes: [] }))

  // Needs a session signed in with a second factor: 401 insufficient_user_authentication otherwise.
  app.post('/notes/export', { onRequest: gatehouse.requireAmr('mfa') }, async () => ({ exported: true }))

  return gatehouse
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const gatehouse = await buildNotesApi()
  console.log(`notes API on ${await gatehouse.app.listen({ port: Number(process.env.PORT ?? 8001) })}`)
  // close() stops the upkeep, lets requests in flight finish and closes the database.
  process.once('SIGTERM', () => void gatehouse.close())
}
