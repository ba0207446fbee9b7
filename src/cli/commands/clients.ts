import type { Command } from 'commander'
import { CLI_META } from '../../events/events.js'
import { type ClientView, toClientView } from '../../oidc/client-view.js'
import { type ClientInputPatch, deleteClient, findClientOr404, listClients, registerClient, rotateClientSecret, updateClient } from '../../oidc/clients.js'
import { CommandFailed, type Env, explain, printTable, withBase } from '../context.js'

const CLI = { actorId: null, meta: CLI_META }
const collect = (value: string, previous: string[] = []) => [...previous, value]
const list = (l: string[]) => (l.length > 0 ? l.join(' ') : '-')

// A client id that is not there is the command failing (exit 1), in the CLI's words.
const orFail = (clientId: string) => (err: unknown) => {
  if (err instanceof Error && 'code' in err && err.code === 'not_found') throw new CommandFailed(`no client ${clientId}`)
  return explain(err)
}

function describe(v: ClientView, out: (line: string) => void): void {
  for (const [k, val] of Object.entries(v)) out(`${k}: ${Array.isArray(val) ? list(val) : String(val)}`)
}

interface SettingOpts {
  redirectUri?: string[]
  postLogoutUri?: string[]
  grant?: string[]
  scope?: string[]
  firstParty?: boolean
  idTokenAlg?: string
}

const settingsOf = (o: SettingOpts): ClientInputPatch => ({
  ...(o.redirectUri ? { redirect_uris: o.redirectUri } : {}),
  ...(o.postLogoutUri ? { post_logout_redirect_uris: o.postLogoutUri } : {}),
  ...(o.grant ? { grant_types: o.grant } : {}),
  ...(o.scope ? { scopes: o.scope } : {}),
  ...(o.firstParty !== undefined ? { first_party: o.firstParty } : {}),
  ...(o.idTokenAlg ? { id_token_signed_response_alg: o.idTokenAlg } : {}),
})

const settingOptions = (c: Command, repeat: string) =>
  c
    .option('--redirect-uri <uri>', `a redirect URI (${repeat})`, collect)
    .option('--post-logout-uri <uri>', `a post-logout redirect URI (${repeat})`, collect)
    .option('--grant <type>', `authorization_code, refresh_token, client_credentials (${repeat})`, collect)
    .option('--scope <scope>', `a scope it may ask for (${repeat})`, collect)
    .option('--id-token-alg <alg>', 'the ID token algorithm (default RS256)')

export function registerClientsCommands(program: Command, env: Env, out: (line: string) => void): void {
  const clients = program.command('clients').description('register, list, show, update, rotate secrets of and delete OpenID Connect clients')

  settingOptions(
    clients
      .command('create <name>')
      .description('register a client; prints its client_id and, once, a confidential client’s secret (stored only hashed)')
      .option('--confidential', 'it can keep a secret (a server-side app or a service)')
      .option('--first-party', 'skip the consent page (your own apps)'),
    'repeat for more',
  )
    .option('--json', 'one JSON object')
    .action(async (name: string, opts: SettingOpts & { confidential?: boolean; json?: boolean }) => {
      await withBase(env, { publishesChanges: false }, async (base) => {
        const input = { name, redirect_uris: opts.redirectUri ?? [], confidential: opts.confidential === true, ...settingsOf(opts) }
        const { client, secret } = await registerClient(base, input, CLI).catch(explain)
        const view = { ...toClientView(client), ...(secret ? { client_secret: secret } : {}) }
        if (opts.json) return out(JSON.stringify(view))
        out(`created client ${client.id} (${client.name}, ${client.confidential ? 'confidential' : 'public'})`)
        out(`client_id: ${client.id}`)
        if (secret) {
          out(`client_secret: ${secret}`)
          process.stderr.write('gatehouse: the secret is shown only now; store it (rotate-secret makes a new one)\n')
        }
      })
    })

  clients
    .command('list')
    .description('every client, oldest first')
    .option('--json', 'one JSON array')
    .action(async (opts: { json?: boolean }) => {
      await withBase(env, { publishesChanges: false }, async (base) => {
        const views = (await listClients(base)).map(toClientView)
        if (opts.json) return out(JSON.stringify(views))
        if (views.length === 0) return out('no clients')
        printTable(
          [
            ['CLIENT_ID', 'NAME', 'TYPE', 'GRANTS', 'REDIRECT URIS'],
            ...views.map((v) => [v.client_id, v.name, v.confidential ? 'confidential' : 'public', list(v.grant_types), list(v.redirect_uris)]),
          ],
          out,
        )
      })
    })

  clients
    .command('show <client_id>')
    .description('one client (never its secret)')
    .option('--json', 'one JSON object')
    .action(async (clientId: string, opts: { json?: boolean }) => {
      await withBase(env, { publishesChanges: false }, async (base) => {
        const view = toClientView(await findClientOr404(base, clientId).catch(orFail(clientId)))
        if (opts.json) return out(JSON.stringify(view))
        describe(view, out)
      })
    })

  settingOptions(
    clients
      .command('update <client_id>')
      .description('change a client: each list given replaces the old one; what is not given stays')
      .option('--name <name>', 'a new name')
      .option('--first-party', 'skip the consent page')
      .option('--no-first-party', 'ask for consent'),
    'repeat for more; replaces the old list',
  ).action(async (clientId: string, opts: SettingOpts & { name?: string }) => {
    await withBase(env, { publishesChanges: false }, async (base) => {
      const patch = { ...(opts.name !== undefined ? { name: opts.name } : {}), ...settingsOf(opts) }
      const client = await updateClient(base, clientId, patch, CLI).catch(orFail(clientId))
      out(`updated client ${client.id} (${client.name})`)
    })
  })

  clients
    .command('rotate-secret <client_id>')
    .description('a new secret for a confidential client, printed once; the old one stops working at once')
    .action(async (clientId: string) => {
      await withBase(env, { publishesChanges: false }, async (base) => {
        const { secret } = await rotateClientSecret(base, clientId, CLI).catch(orFail(clientId))
        out(`client_secret: ${secret}`)
      })
    })

  clients
    .command('delete <client_id>')
    .description('delete a client and end every session issued to it')
    .action(async (clientId: string) => {
      // Ending sessions changes what running servers cache: with REDIS_URL they hear of it at once.
      await withBase(env, { publishesChanges: true }, async (base) => {
        const ended = await deleteClient(base, clientId, CLI).catch(orFail(clientId))
        out(`deleted client ${clientId}; ended ${ended} session(s)`)
      })
    })
}
