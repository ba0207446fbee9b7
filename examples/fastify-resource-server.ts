// Another Fastify service that accepts Gatehouse's tokens: checked offline against its JWKS.
// Run it: GATEHOUSE_ISSUER=http://127.0.0.1:8000 npx tsx examples/fastify-resource-server.ts
import Fastify from 'fastify'
import { gatehouse } from 'gatehouse/fastify'
import { createRemoteVerifier } from 'gatehouse/verifier'

export async function buildReportsApi(issuer: string, jwksUrl?: string) {
  const app = Fastify()
  // ISSUER and AUDIENCE as Gatehouse is configured; the keys come from jwksUrl, by default
  // ${issuer}/.well-known/jwks.json.
  await app.register(gatehouse, { verifier: createRemoteVerifier({ issuer, audience: 'gatehouse', jwksUrl }) })

  // onRequest: checked before the body is read, so an anonymous request costs no parsing.
  app.get('/reports', { onRequest: app.gatehouse.requireUser() }, async (request) => ({ owner: request.principal?.username }))
  app.get('/reports/all', { onRequest: app.gatehouse.requireScope('admin') }, async () => ({ reports: [] }))
  return app
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = await buildReportsApi(process.env.GATEHOUSE_ISSUER ?? 'http://127.0.0.1:8000')
  console.log(`reports API on ${await app.listen({ port: Number(process.env.PORT ?? 8002) })}`)
}
