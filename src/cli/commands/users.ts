import type { Command } from 'commander'
import { adminDeleteUser, adminUpdateUser, listUsersPage } from '../../accounts/admin.js'
import { adminResetMfa } from '../../accounts/admin-security.js'
import { createAccount } from '../../accounts/register.js'
import { toUserView } from '../../accounts/user-view.js'
import { normalizeUsername, usernameKey } from '../../accounts/username.js'
import { createPasswordHasherFor, loadCommonPasswords } from '../../deps/create.js'
import { CLI_META } from '../../events/events.js'
import type { User } from '../../store/store.js'
import { type CliBase, CommandFailed, cliConfig, type Env, explain, printTable, readPassword, UsageError, withBase } from '../context.js'

const CLI = { actorId: null, meta: CLI_META }

async function findByName(base: CliBase, name: string): Promise<User> {
  const normalized = normalizeUsername(name)
  const user = normalized ? await base.store.findUserByUsernameKey(usernameKey(normalized)) : null
  if (!user) throw new CommandFailed(`no user named ${name}`)
  return user
}

const describe = (u: User) => `${u.username} (id ${u.id}, roles ${u.roles.join(' ')}${u.disabled ? ', disabled' : ''})`

export function registerUsersCommands(program: Command, env: Env, out: (line: string) => void): void {
  const users = program.command('users').description('create, list, disable, enable, delete users and set their roles')

  users
    .command('create <username>')
    .description('create a user (the password is asked for, or read with --password-stdin; never from the command line)')
    .option('--email <email>', 'their email address')
    .option('--admin', 'give them the admin role too')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (username: string, opts: { email?: string; admin?: boolean; passwordStdin?: boolean }) => {
      cliConfig(env) // a bad configuration is reported before anyone types a password
      if (!normalizeUsername(username)) throw new UsageError('username: 3 to 64 characters: letters, digits, _ . -')
      const password = await readPassword(opts.passwordStdin === true)
      // A new account is in no server's cache: nothing to tell them.
      await withBase(env, { publishesChanges: false }, async (base) => {
        const metrics = base.metrics
        const deps = { ...base, hasher: await createPasswordHasherFor(base.config, metrics, null), commonPasswords: loadCommonPasswords() }
        const roles = opts.admin ? ['user', 'admin'] : ['user']
        const user = await createAccount(deps, { username, email: opts.email, password }, roles, { via: 'cli', ...CLI }).catch(explain)
        out(`created ${describe(user)}`)
      })
    })

  users
    .command('list')
    .description('list every user')
    .option('--json', 'one JSON array')
    .option('--prefix <text>', 'only usernames or emails starting with this')
    .action(async (opts: { json?: boolean; prefix?: string }) => {
      await withBase(env, { publishesChanges: false }, async (base) => {
        const all: User[] = []
        let cursor: string | undefined
        do {
          const page = await listUsersPage(base, { q: opts.prefix, limit: 200, cursor })
          all.push(...page.users)
          cursor = page.nextCursor ?? undefined
        } while (cursor)
        if (opts.json) {
          // The same user objects as the HTTP API's.
          out(JSON.stringify(all.map(toUserView)))
          return
        }
        if (all.length === 0) return out('no users')
        printTable(
          [
            ['USERNAME', 'EMAIL', 'ROLES', 'STATUS', 'CREATED'],
            ...all.map((u) => [u.username, u.email ?? '-', u.roles.join(','), u.disabled ? 'disabled' : 'active', u.createdAt.toISOString()]),
          ],
          out,
        )
      })
    })

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(`${name} <username>`)
      .description(disabled ? 'disable a user: every session ends and their tokens fail at once' : 'enable a disabled user')
      .action(async (username: string) => {
        await withBase(env, { publishesChanges: true }, async (base) => {
          const user = await adminUpdateUser(base, (await findByName(base, username)).id, { disabled }, CLI).catch(explain)
          out(`${name}d ${describe(user)}`)
        })
      })
  }

  users
    .command('delete <username>')
    .description('delete a user and every session')
    .action(async (username: string) => {
      await withBase(env, { publishesChanges: true }, async (base) => {
        const user = await findByName(base, username)
        await adminDeleteUser(base, user.id, CLI).catch(explain)
        out(`deleted ${user.username}`)
      })
    })

  users
    .command('set-roles <username> <roles...>')
    .description(`replace a user's roles (e.g. user admin)`)
    .action(async (username: string, roles: string[]) => {
      await withBase(env, { publishesChanges: true }, async (base) => {
        const user = await adminUpdateUser(base, (await findByName(base, username)).id, { roles }, CLI).catch(explain)
        out(`set roles of ${describe(user)}`)
      })
    })

  users
    .command('mfa-reset <username>')
    .description("remove a user's second factor and recovery codes (a lost device); audited")
    .action(async (username: string) => {
      await withBase(env, { publishesChanges: true }, async (base) => {
        const user = await findByName(base, username)
        await adminResetMfa(base, user.id, CLI).catch(explain)
        out(`reset MFA of ${user.username}: they sign in with their password and can enrol again`)
      })
    })
}
