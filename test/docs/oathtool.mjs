// The doc test's `oathtool --totp -b <base32 secret>`, standing in for the person who reads a code
// off their authenticator app (the README's two-factor block calls it). RFC 6238 with SHA-1,
// 6 digits and 30-second steps, written with node:crypto alone: independent of Gatehouse's own
// TOTP code. Gatehouse accepts each time step once, so like a person who waits for the next code
// after using one, this never hands out a step twice: the second call within one step gives the
// next step's code (Gatehouse accepts one step of skew either side), and a later one waits for
// the clock. The steps handed out are kept in the file named by DOC_TEST_TOTP_STATE.
import { createHmac } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

const args = process.argv.slice(2)
const secret = args[0] === '--totp' && (args[1] === '-b' || args[1] === '--base32') && args.length === 3 ? args[2] : null
if (secret === null) {
  process.stderr.write('this stand-in for oathtool knows one form: oathtool --totp -b <base32 secret>\n')
  process.exit(2)
}

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const c of text.replace(/=+$/, '').toUpperCase()) {
    const v = alphabet.indexOf(c)
    if (v < 0) throw new Error(`not base32: ${c}`)
    bits += v.toString(2).padStart(5, '0')
  }
  const bytes = []
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(Number.parseInt(bits.slice(i, i + 8), 2))
  return Buffer.from(bytes)
}

function code(key, step) {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(step))
  const mac = createHmac('sha1', key).update(counter).digest()
  const offset = mac[mac.length - 1] & 0x0f
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0')
}

const state = process.env.DOC_TEST_TOTP_STATE
const last = state && existsSync(state) ? Number(readFileSync(state, 'utf8')) : -1
const nowStep = () => Math.floor(Date.now() / 30_000)
// The next unused step, no further ahead of the clock than Gatehouse's one step of skew.
while (last + 1 > nowStep() + 1) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
const step = Math.max(nowStep(), last + 1)
if (state) writeFileSync(state, String(step))
process.stdout.write(`${code(base32(secret), step)}\n`)
