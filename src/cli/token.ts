/**
 * `parley token create --name N`: a new API bearer token with full rights, printed alone on the last line
 * (so `parley token create --name ci | tail -1` captures it). Also `token list` and `token revoke --id ID`.
 */
import { PERMISSIONS, type Permission } from '../store/model.ts';
import { type Context, StoreError } from '../store/store.ts';
import { openCommandStore, parseStoreCommand, STORE_FLAGS_USAGE } from './store-flags.ts';

export const usage = `Usage: parley token create --name NAME [--permissions LIST] [--data DIR | --database URL]
       parley token list [--data DIR | --database URL]
       parley token revoke --id ID [--data DIR | --database URL]

create  prints a new API token alone on its last line; it is shown only this once
        (--permissions: comma-separated among ${PERMISSIONS.join(', ')}; default: admin, i.e. everything)
list    shows the tokens (never their secret)
revoke  deletes a token

${STORE_FLAGS_USAGE}

Use it as: curl -H "Authorization: Bearer $TOKEN" http://localhost:8080/api/users
`;

const SYSTEM: Context = { actor: { kind: 'system', name: 'cli', permissions: ['admin'] }, ip: 'local' };

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    process.stderr.write(`parley token: expected "create", "list" or "revoke"\n\n${usage}`);
    return 2;
  }
  const parsed = parseStoreCommand(rest, ['--name', '--permissions', '--id']);
  if (!parsed.ok) {
    process.stderr.write(`parley token: ${parsed.error}\n`);
    return 2;
  }
  const { flags } = parsed.value;
  const name = flags.get('--name');
  if (action === 'create' && !name) {
    process.stderr.write('parley token: --name is needed (what the token is for, e.g. "backup script")\n');
    return 2;
  }
  const permissions = (flags.get('--permissions') ?? 'admin').split(',').map((p) => p.trim()) as Permission[];
  const unknown = permissions.filter((p) => !PERMISSIONS.includes(p));
  if (unknown.length) {
    process.stderr.write(
      `parley token: unknown permission "${unknown[0]}" (one of ${PERMISSIONS.join(', ')})\n`,
    );
    return 2;
  }
  if (action === 'revoke' && !flags.get('--id')) {
    process.stderr.write('parley token: --id is needed (see `parley token list`)\n');
    return 2;
  }
  const store = await openCommandStore('token', parsed.value);
  if (!store) return 1;
  try {
    if (action === 'create') {
      const { token, info } = await store.createToken(name!, permissions, SYSTEM);
      process.stdout.write(
        `API token "${info.name}" created (id ${info.id}, permissions ${info.permissions.join(', ')}).\n`,
      );
      process.stdout.write('It is shown only now; it is stored as a hash:\n');
      process.stdout.write(`${token}\n`);
    } else if (action === 'list') {
      const tokens = await store.listTokens();
      if (!tokens.length) process.stdout.write('no API tokens\n');
      for (const t of tokens)
        process.stdout.write(
          `${t.id}  ${t.name}  [${t.permissions.join(',')}]  created ${t.createdAt}  last used ${t.lastUsedAt ?? 'never'}\n`,
        );
    } else {
      await store.deleteToken(flags.get('--id')!, SYSTEM);
      process.stdout.write(`token ${flags.get('--id')} revoked\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof StoreError) {
      process.stderr.write(`parley token: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}
