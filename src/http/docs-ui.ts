import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui'

// A gate under a roof, in white for Swagger UI's dark top bar; the favicon draws it dark.
const gate = (stroke: string) =>
  `<g fill="none" stroke="${stroke}" stroke-width="3" stroke-linejoin="round"><path d="M5 36V15L20 5l15 10v21"/><path d="M13 36V22h14v14M20 22v14"/></g>`
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" viewBox="0 0 200 40">${gate('#fff')}<text x="44" y="29" fill="#fff" font-family="system-ui, sans-serif" font-size="22" font-weight="600">Gatehouse</text></svg>`
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40">${gate('#1b1b1b')}</svg>`

/** The OpenAPI document's documented address; /docs/json (the plugin's own) serves the same. */
export const OPENAPI_URL = '/openapi.json'

/**
 * /docs: Swagger UI as Gatehouse's, not Fastify's (its logo, title and favicon are the plugin's
 * defaults), reading the spec from /openapi.json. The plugin always sets `url` to its own
 * ./json, but Swagger UI ignores `url` when `urls` is given, so the top bar names /openapi.json.
 */
export const docsUiOptions: FastifySwaggerUiOptions = {
  routePrefix: '/docs',
  uiConfig: {
    persistAuthorization: false,
    urls: [{ url: OPENAPI_URL, name: `Gatehouse API (${OPENAPI_URL})` }],
  },
  logo: { type: 'image/svg+xml', content: LOGO, href: '/docs' },
  theme: {
    title: 'Gatehouse API',
    favicon: [{ filename: 'favicon.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: FAVICON }],
  },
}
