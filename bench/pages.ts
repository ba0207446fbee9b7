// The account pages under load: serving the sign-in page against GET / of the same server, and a
// page sign-in (CSRF token, Origin, password, a new browser session, 303) against POST /token.
import { type Row, runLoad } from './clients.js'

export async function benchPages(
  base: string,
  seconds: number,
  username: string,
  password: string,
): Promise<{ rows: Row[]; pageRatio: number; firstVisitRatio: number; signIn: Row }> {
  const first = await fetch(`${base}/account/login`)
  const cookie = first.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(await first.text())?.[1]
  if (!csrf) throw new Error('no CSRF token on /account/login')
  // Adjacent runs, GET / first, so both see the same machine.
  const root = await runLoad('GET / (beside the page)', { url: `${base}/`, connections: 10, seconds })
  // A returning browser (it holds its CSRF cookie), then a first visit (a new CSRF secret each time).
  const page = await runLoad('GET /account/login (returning browser)', { url: `${base}/account/login`, headers: { cookie }, connections: 10, seconds })
  const firstVisit = await runLoad('GET /account/login (first visit)', { url: `${base}/account/login`, connections: 10, seconds })
  const signIn = await runLoad('POST /account/login (page sign-in, 303)', {
    url: `${base}/account/login`,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: base },
    body: new URLSearchParams({ csrf_token: csrf, username, password }).toString(),
    connections: 8,
    seconds,
  })
  return { rows: [root, page, firstVisit, signIn], pageRatio: page.rps / root.rps, firstVisitRatio: firstVisit.rps / root.rps, signIn }
}
