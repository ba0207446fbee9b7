import pg from 'pg'
import { rootCause } from '../open-error.js'

/** Five characters with a digit: PostgreSQL's own error codes (Node's are letters: ECONNREFUSED, EPIPE). */
const SQLSTATE = /^(?=.*[0-9])[0-9A-Z]{5}$/

/** What to check for the failures people actually meet; the driver's own words come first. */
const HINTS: Record<string, string> = {
  ECONNREFUSED: 'nothing accepts connections there: is PostgreSQL running, and on that host and port?',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (DNS)',
  ETIMEDOUT: 'no answer: a firewall, or the wrong host',
  EHOSTUNREACH: 'no route to the host',
  '3D000': 'create it (createdb), or fix the database name in DATABASE_URL',
  '28000': 'create the role, or fix the user in DATABASE_URL (or pg_hba.conf does not let it in)',
  '28P01': 'check the user and password in DATABASE_URL',
  '42501': 'the role lacks a privilege Gatehouse needs (creating its schema and tables)',
  '53300': 'the server has no connection slot left',
  '57P03': 'the server is starting up or shutting down: retry shortly',
}

/**
 * `PostgreSQL at host:port, database D, role R: <reason> (<code>): <hint>`, from the settings
 * the driver itself derives from DATABASE_URL (defaults included). The password never appears:
 * it is not part of the target, and is scrubbed from the driver's message in case one echoed it.
 */
export function describePostgresOpenFailure(url: string, err: unknown): string {
  const target = derivedTarget(url)
  const { code, message } = rootCause(err)
  // pg's own client-side failures carry no code.
  const timeout = !code && /timeout/i.test(message) ? 'no answer within 5 s: a firewall, or the wrong host or port' : null
  const hint = (code && HINTS[code]) || timeout
  const codeNote = !code || message.includes(code) ? '' : ` (${SQLSTATE.test(code) ? `SQLSTATE ${code}` : code})`
  const reason = `${scrub(message, passwordOf(url))}${codeNote}${hint ? `: ${hint}` : ''}`
  const where = `PostgreSQL at ${target.host}:${target.port}, database ${target.database ?? '(none)'}, role ${target.user ?? '(none given)'}`
  return `cannot open the database (${where}): ${reason}`
}

type Target = { host?: string; port?: number | string; database?: string; user?: string }

/** What pg makes of the URL; from the URL alone when pg cannot (an unreadable `sslcert=` file). */
function derivedTarget(url: string): Target {
  try {
    return new pg.Client({ connectionString: url }) as unknown as Target
  } catch {
    try {
      const u = new URL(url)
      return {
        host: u.hostname || 'localhost',
        port: u.port || 5432,
        database: decodeURIComponent(u.pathname.slice(1)) || undefined,
        user: decodeURIComponent(u.username) || undefined,
      }
    } catch {
      return {}
    }
  }
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password)
  } catch {
    return ''
  }
}

const scrub = (text: string, secret: string) => (secret.length > 0 ? text.split(secret).join('***') : text)
