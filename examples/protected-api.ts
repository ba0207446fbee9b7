// Gatehouse plus your own protected routes: the analog of FastAPI's Depends(get_current_user).
// Run it: npx tsx examples/protected-api.ts  (then register, get a token, and GET /notes)
import { buildApp, createDeps, currentAuth, loadConfig, requireScope, requireUser } from '../src/public-api.js'

export async function buildNotesApi(env: Record<string, string | undefined>) {
  const deps = await createDeps(loadConfig(env))
  const app = await buildApp(deps) // /register, /token, /users/me ... are already there

  // Any signed-in user: 401 without a valid, live bearer token.
  app.get('/notes', { preHandler: requireUser(deps) }, async (request) => {
    const { user } = currentAuth(request)
    return { owner: user.username, notes: [`hello, ${user.username}`] }
  })

  // Needs the admin scope as well: 403 with WWW-Authenticate: Bearer error="insufficient_scope".
  app.get('/notes/all', { preHandler: requireScope(deps, 'admin') }, async () => ({ notes: [] }))

  return { app, deps }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { app } = await buildNotesApi(process.env)
  console.log(`notes API on ${await app.listen({ port: 8001 })}`)
}
