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

// @see issue 12
test('TRUST_PROXY refuses ranges wider than a proxy network: IPv4 under /8, IPv6 under /32, IPv4-mapped judged by the IPv4 part; all named at once', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env)
      return []
    } catch (err) {
      assert.ok(err instanceof ConfigError)
      return err.problems
    }
  }
  // Control: real proxy networks, the narrowest wide ones included, load.
  for (const ok of [
    '10.0.0.0/8',
    '192.168.1.10',
    '172.16.0.0/12',
    '2001:db8::/32',
    'fd00:1::/48',
    '::ffff:10.0.0.0/104',
    '::ffff:192.168.0.0/112',
    '::1',
    'loopback,uniquelocal',
  ]) {
    assert.deepEqual(problems({ TRUST_PROXY: ok }), [], ok)
  }
  for (const wide of [
    '::ffff:0:0/96',
    '::ffff:0.0.0.0/96',
    '0.0.0.0/1,128.0.0.0/1',
    '10.0.0.0/7',
    '::/80',
    '::/32',
    '::ffff:0:0/97',
    '2001::/16',
    '::ffff:128.0.0.0/97',
  ]) {
    const found = problems({ TRUST_PROXY: wide })
    assert.equal(found.length, 1, wide)
    assert.match(found[0]!, /^TRUST_PROXY: .* is wider than a proxy network/, wide)
  }
  const both = problems({ TRUST_PROXY: '0.0.0.0/1,128.0.0.0/1' })
  assert.match(both[0]!, /0\.0\.0\.0\/1, 128\.0\.0\.0\/1 is wider/, 'each too-wide entry is named')
  const many = problems({ TRUST_PROXY: '::ffff:0:0/96', PORT: 'x' })
  assert.equal(many.length, 2, 'with the other problems, in one ConfigError')
})

test('passkeys: RP ID and origins follow PUBLIC_URL; on an IP address (the defaults) they are off, not a reason to refuse to start', () => {
  const off = loadConfig({})
  assert.equal(off.webauthn, null)
  assert.match(off.webauthnOff!, /^passkeys are off: .*WEBAUTHN_RP_ID/)
  assert.equal(loadConfig({ PUBLIC_URL: 'https://[2001:db8::1]' }).webauthn, null, 'an IPv6 PUBLIC_URL: off too')
  assert.match(loadConfig({ PUBLIC_URL: 'http://auth.example.com' }).webauthnOff!, /plain http only on localhost/, 'derived plain http: off, and why')
  assert.deepEqual(loadConfig({ PUBLIC_URL: 'https://auth.example.com/base/' }).webauthn, {
    rpId: 'auth.example.com',
    rpName: 'Gatehouse',
    origins: ['https://auth.example.com'],
  })
  assert.deepEqual(loadConfig({ PUBLIC_URL: 'http://localhost:8000', APP_NAME: 'Acme' }).webauthn, {
    rpId: 'localhost',
    rpName: 'Acme',
    origins: ['http://localhost:8000'],
  })
  const set = loadConfig({
    WEBAUTHN_RP_ID: 'Example.com',
    WEBAUTHN_ORIGINS: 'https://auth.example.com, https://example.com:8443',
    WEBAUTHN_RP_NAME: 'Acme Login',
  })
  assert.deepEqual(set.webauthn, { rpId: 'example.com', rpName: 'Acme Login', origins: ['https://auth.example.com', 'https://example.com:8443'] })
  assert.equal(set.webauthnOff, null)
  assert.ok(Object.isFrozen(set.webauthn) && Object.isFrozen(set.webauthn.origins))
})

test('passkeys: an explicitly set WEBAUTHN_* value that cannot work refuses to start, naming the variable and why', () => {
  const refused = (env: Record<string, string>, re: RegExp) =>
    assert.throws(
      () => loadConfig(env),
      (e: Error) => e instanceof ConfigError && re.test(e.message),
      JSON.stringify(env),
    )
  const origins = { WEBAUTHN_ORIGINS: 'https://auth.example.com' }
  refused(
    { ...origins, WEBAUTHN_RP_ID: '127.0.0.1' },
    /WEBAUTHN_RP_ID: an IP address \(127\.0\.0\.1\) cannot be a relying party ID: browsers refuse WebAuthn on IP addresses/,
  )
  refused({ ...origins, WEBAUTHN_RP_ID: '::1' }, /WEBAUTHN_RP_ID: an IP address/)
  refused(origins, /WEBAUTHN_RP_ID \(unset: the host of PUBLIC_URL\): an IP address/)
  refused(
    { ...origins, WEBAUTHN_RP_ID: 'example.org' },
    /WEBAUTHN_RP_ID: example\.org must be the host, or a domain suffix of the host, of every origin in WEBAUTHN_ORIGINS; not of auth\.example\.com/,
  )
  refused({ WEBAUTHN_ORIGINS: 'https://example.com', WEBAUTHN_RP_ID: 'ample.com' }, /suffix .*not of example\.com/)
  refused({ ...origins, WEBAUTHN_RP_ID: 'com' }, /WEBAUTHN_RP_ID: must be a registrable domain/)
  refused({ ...origins, WEBAUTHN_RP_ID: 'bad_name.example.com' }, /WEBAUTHN_RP_ID: must be a host name/)
  refused({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://auth.example.com/login' }, /WEBAUTHN_ORIGINS: .*must be an origin alone/)
  refused({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'ftp://auth.example.com' }, /WEBAUTHN_ORIGINS: .*must be http\(s\)/)
  refused({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'http://auth.example.com' }, /WEBAUTHN_ORIGINS: .*must be https/)
  refused({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'not an origin' }, /WEBAUTHN_ORIGINS: .*is not an origin/)
  refused({ WEBAUTHN_RP_ID: 'localhost' }, /WEBAUTHN_ORIGINS \(unset: the origin of PUBLIC_URL\): "http:\/\/127\.0\.0\.1:8000" must be https/)
  refused({ ...origins, WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_RP_NAME: 'x'.repeat(65) }, /WEBAUTHN_RP_NAME/)
  // Every problem at once, as for the other variables.
  try {
    loadConfig({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'ftp://x', PORT: 'eighty' })
    assert.fail('should throw')
  } catch (err) {
    assert.ok(err instanceof ConfigError)
    assert.deepEqual(err.problems.map((p) => p.split(':')[0]).sort(), ['PORT', 'WEBAUTHN_ORIGINS'])
  }
  // localhost works as RP ID for local development, over plain http.
  assert.equal(loadConfig({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: 'http://localhost:3000' }).webauthn?.rpId, 'localhost')
})
