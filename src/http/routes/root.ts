import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'

export function registerRootRoutes(app: FastifyInstance): void {
  app.get(
    '/',
    {
      schema: {
        summary: 'Welcome',
        tags: ['meta'],
        response: { 200: Type.Object({ message: Type.String() }) },
      },
    },
    async function welcome() {
      return { message: 'Welcome to Gatehouse!' }
    },
  )
}
