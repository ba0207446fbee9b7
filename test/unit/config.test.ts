import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, loadConfig } from '../../src/config.js'
import { parseDurationSeconds } from '../../src/lib/duration.js'

test('defaults match the contract', () => {
  const c = loadConfig({})
  assert.equal(c.host, '127.0.0.1')
  assert.equal(c.port, 8000)
  assert.deepEqual(c.database, { kind: 'sqlite', path: './data/gatehouse.db' })
  assert.equal(c.issuer, 'http://127.0.0.1:8000')
  assert.equal(c.audience, 'gatehouse')
  assert.equal(c.jwtAlg, 'EdDSA')
  assert.equal(c.jwtSecret, null)
  assert.equal(c.accessTokenTtlSeconds, 1800)
  assert.equal(c.refreshTokenTtlSeconds, 30 * 86400)
  assert.equal(c.registration, 'open')
  assert.equal(c.rateLimit, true)
  assert.equal(c.logLevel, 'info')
  assert.equal(c.bodyLimitBytes, 65536)
  assert.deepEqual(c.argon2, { memoryCost: 19456, timeCost: 2, parallelism: 1 })
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.argon2))
})

test('every problem is reported at once, each naming its variable', () => {
  try {
    loadConfig({
      PORT: 'eighty',
      JWT_ALG: 'HS512',
      ACCESS_TOKEN_TTL: 'forever',
      REGISTRATION: 'maybe',
      RATE_LIMIT: 'sometimes',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
    })
    assert.fail('should throw')
  } catch (err) {
    assert.ok(err instanceof ConfigError)
    const names = err.problems.map((p) => p.split(':')[0])
    assert.deepEqual(names.sort(), ['ACCESS_TOKEN_TTL', 'DATABASE_URL', 'JWT_ALG', 'LOG_LEVEL', 'PORT', 'RATE_LIMIT', 'REGISTRATION'])
  }
})

test('HS256 needs a secret of at least 32 bytes; no default secret exists', () => {
  assert.throws(() => loadConfig({ JWT_ALG: 'HS256' }), /JWT_SECRET: required/)
  assert.throws(() => loadConfig({ JWT_ALG: 'HS256', JWT_SECRET: 'x'.repeat(31) }), /JWT_SECRET: must be at least 32 bytes/)
  assert.equal(loadConfig({ JWT_ALG: 'HS256', JWT_SECRET: 'x'.repeat(32) }).jwtSecret, 'x'.repeat(32))
  assert.throws(() => loadConfig({ JWT_SECRET: 'x'.repeat(40) }), /only used with JWT_ALG=HS256/)
})

test('database URLs', () => {
  assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database, { kind: 'sqlite', path: ':memory:' })
  assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:/var/lib/g.db' }).database, { kind: 'sqlite', path: '/var/lib/g.db' })
  assert.deepEqual(loadConfig({ DATABASE_URL: 'postgres://u:pw@h/db?schema=auth' }).database, {
    kind: 'postgres',
    url: 'postgres://u:pw@h/db',
    schema: 'auth',
    poolSize: 10,
  })
  assert.equal((loadConfig({ DATABASE_URL: 'postgresql://h/db' }).database as { schema: string }).schema, 'public')
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'mysql://u:pw@h/db' }),
    (e: Error) => /DATABASE_URL/.test(e.message) && !e.message.includes(':pw@'),
  )
  assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://h/db?schema=Bad;DROP' }), /schema=/)
  assert.equal(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl, 'redis://127.0.0.1:6379')
  assert.throws(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' }), /REDIS_URL/)
  assert.throws(() => loadConfig({ WORKERS: '0' }), /WORKERS/)
  assert.throws(() => loadConfig({ METRICS_PORT: '8000' }), /METRICS_PORT: must differ/)
  assert.throws(() => loadConfig({ METRICS_TOKEN: 'short' }), /METRICS_TOKEN/)
})

test('issuer follows HOST and PORT unless set; argon2 below OWASP minimums is refused', () => {
  assert.equal(loadConfig({ HOST: '0.0.0.0', PORT: '9000' }).issuer, 'http://0.0.0.0:9000')
  assert.equal(loadConfig({ ISSUER: 'https://auth.example.com' }).issuer, 'https://auth.example.com')
  assert.throws(() => loadConfig({ ISSUER: 'not a url' }), /ISSUER/)
  assert.throws(() => loadConfig({ ARGON2_MEMORY_KIB: '1024' }), /ARGON2_MEMORY_KIB/)
  assert.throws(() => loadConfig({ ARGON2_ITERATIONS: '1' }), /ARGON2_ITERATIONS/)
  assert.throws(() => loadConfig({ PASSWORD_MIN_LENGTH: '6' }), /PASSWORD_MIN_LENGTH/)
  assert.throws(() => loadConfig({ ACCESS_TOKEN_TTL: '2d', REFRESH_TOKEN_TTL: '1d' }), /ACCESS_TOKEN_TTL/)
})

test('durations', () => {
  assert.equal(parseDurationSeconds('90s'), 90)
  assert.equal(parseDurationSeconds('30m'), 1800)
  assert.equal(parseDurationSeconds('1h'), 3600)
  assert.equal(parseDurationSeconds('30d'), 2592000)
  assert.equal(parseDurationSeconds('45'), 45)
  assert.equal(parseDurationSeconds('1.5h'), 5400)
  for (const bad of ['', '0s', '-5m', '5 minutes', 'm', '10y', '500ms']) assert.equal(parseDurationSeconds(bad), null, bad)
})

test('operating defaults: refresh grace 10 s, key lead = JWKS cache lifetime, no automatic rotation, user/admin roles', () => {
  const c = loadConfig({})
  assert.equal(c.refreshReuseGraceSeconds, 10)
  assert.equal(c.jwksMaxAgeSeconds, 300)
  assert.equal(c.keyPublishLeadSeconds, 300)
  assert.equal(c.keyRotationIntervalSeconds, null)
  assert.equal(c.sessionRetentionSeconds, 30 * 86400)
  assert.deepEqual(c.roleScopes, { user: ['user'], admin: ['user', 'admin'] })
  const custom = loadConfig({ JWKS_CACHE_TTL: '10m', REFRESH_REUSE_GRACE: '0s', KEY_ROTATION_INTERVAL: '30d', ROLE_SCOPES: 'user=user; support=user support' })
  assert.equal(custom.keyPublishLeadSeconds, 600, 'the lead follows the JWKS cache lifetime')
  assert.equal(custom.refreshReuseGraceSeconds, 0)
  assert.equal(custom.keyRotationIntervalSeconds, 30 * 86400)
  assert.deepEqual(custom.roleScopes, { user: ['user'], support: ['user', 'support'] })
  assert.equal(loadConfig({ KEY_PUBLISH_LEAD: '0s' }).keyPublishLeadSeconds, 0)
})

test('refused: idle lifetime shorter than an access token, a rotation faster than lead + token life, bad roles', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env)
      return []
    } catch (err) {
      return (err as ConfigError).problems
    }
  }
  // @see issue 5: SESSION_IDLE_TTL=2s with ACCESS_TOKEN_TTL=4s let a token outlive its session.
  assert.match(problems({ SESSION_IDLE_TTL: '2s', ACCESS_TOKEN_TTL: '4s' }).join(), /SESSION_IDLE_TTL: must be at least ACCESS_TOKEN_TTL/)
  assert.match(problems({ KEY_ROTATION_INTERVAL: '10m' }).join(), /KEY_ROTATION_INTERVAL: must be longer/)
  assert.match(problems({ ROLE_SCOPES: 'admin=user admin' }).join(), /must define the user role/)
  assert.match(problems({ ROLE_SCOPES: 'user=user;Bad Role=x' }).join(), /ROLE_SCOPES: "Bad Role=x"/)
  assert.match(problems({ REFRESH_REUSE_GRACE: '-1s' }).join(), /REFRESH_REUSE_GRACE/)
  assert.match(problems({ REFRESH_REUSE_GRACE: '30d' }).join(), /REFRESH_REUSE_GRACE: at most 60s/, 'a long grace is reuse detection switched off')
  assert.deepEqual(problems({ SESSION_IDLE_TTL: '30m', ACCESS_TOKEN_TTL: '30m' }), [], 'equal is fine')
  // @see issue 6: TRUST_PROXY=on believed every X-Forwarded-For hop, so a client chose its own address per guess.
  assert.match(problems({ TRUST_PROXY: 'on' }).join(), /TRUST_PROXY: must be off, or the proxies/)
  assert.match(problems({ TRUST_PROXY: '2' }).join(), /TRUST_PROXY/, 'a bare hop count cannot validate the peer')
  assert.match(problems({ TRUST_PROXY: '10.0.0.0/33' }).join(), /TRUST_PROXY/)
  assert.match(problems({ TRUST_PROXY: '0.0.0.0/0' }).join(), /TRUST_PROXY/, 'a /0 trusts everyone')
  assert.match(problems({ TRUST_PROXY: '::/0' }).join(), /TRUST_PROXY/)
  assert.deepEqual(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,2001:db8::/32' }).trustProxy, ['loopback', '10.0.0.0/8', '2001:db8::/32'])
  assert.equal(loadConfig({}).trustProxy, false)
  assert.equal(loadConfig({}).loginBackoffMaxSeconds, 900, 'LOGIN_BACKOFF_MAX defaults to 15 minutes')
  assert.deepEqual(loadConfig({}).corsOrigins, [])
  assert.match(problems({ CORS_ORIGINS: '*' }).join(), /CORS_ORIGINS: each must be an origin/)
  assert.match(problems({ CORS_ORIGINS: 'https://ok.example, https://x.example/path' }).join(), /"https:\/\/x.example\/path"/)
})
