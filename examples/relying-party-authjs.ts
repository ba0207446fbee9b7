// Auth.js (@auth/core, which next-auth 5, @auth/express and @auth/sveltekit are built on) signing
// people in with Gatehouse through its generic OpenID Connect provider. Register the client with the
// redirect URI <your app's origin>/auth/callback/gatehouse (Auth.js's basePath, then the provider id).
import type { AuthConfig } from '@auth/core'

export function authConfig(env: Record<string, string | undefined> = process.env): AuthConfig {
  return {
    providers: [
      {
        id: 'gatehouse',
        name: 'Gatehouse',
        // Discovery from <issuer>/.well-known/openid-configuration; PKCE S256 (Auth.js's default check).
        type: 'oidc',
        issuer: env.GATEHOUSE_ISSUER, // Gatehouse's ISSUER, exactly
        clientId: env.GATEHOUSE_CLIENT_ID,
        clientSecret: env.GATEHOUSE_CLIENT_SECRET,
      },
    ],
    callbacks: {
      // Auth.js makes up a user id of its own at each sign-in: keep Gatehouse's (the ID token's sub,
      // which stays the person's when a username or an email address changes hands).
      jwt({ token, account }) {
        if (account) token.gatehouseId = account.providerAccountId
        return token
      },
      session({ session, token }) {
        return { ...session, user: { ...session.user, id: String(token.gatehouseId) } }
      },
    },
    secret: env.AUTH_SECRET, // openssl rand -base64 32
    trustHost: true,
  }
}
