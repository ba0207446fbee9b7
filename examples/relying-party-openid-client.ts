// A web app that signs people in with Gatehouse through openid-client (v6): discovery, the code flow
// with PKCE, state and nonce, the ID token checked, then userinfo. Keep `pending` in the person's
// own session (a signed, HttpOnly cookie) between the two steps.
import * as oidc from 'openid-client'

/** Gatehouse's metadata from <issuer>/.well-known/openid-configuration (issuer: its ISSUER, exactly). */
export async function discoverGatehouse(issuer: URL, clientId: string, clientSecret: string) {
  // openid-client refuses plain http: allow it only for a Gatehouse on this machine, in development.
  const local = issuer.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(issuer.hostname)
  return oidc.discovery(issuer, clientId, clientSecret, undefined, { execute: local ? [oidc.allowInsecureRequests] : [] })
}

/** Step 1: where to send the browser, and what to keep until it comes back. */
export async function startSignIn(config: oidc.Configuration, redirectUri: string) {
  const pending = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() }
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email',
    // Gatehouse requires PKCE with S256 of every client, confidential ones too.
    code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
  })
  return { url, pending }
}

/** Step 2: the URL the browser came back to -> tokens, the verified ID token's claims, and userinfo. */
export async function finishSignIn(config: oidc.Configuration, callbackUrl: URL, pending: { verifier: string; state: string; nonce: string }) {
  const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: pending.verifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
    idTokenExpected: true,
  })
  const claims = tokens.claims()! // sub is the Gatehouse user's id; preferred_username and email by scope
  const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)
  return { tokens, claims, userinfo }
}
