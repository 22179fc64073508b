/**
 * `parley admin create --username U --password P`: a console account with every permission (the way in
 * on a fresh install). `parley admin password --username U --password P` sets a new password and unlocks.
 */
import { PERMISSIONS } from '../store/model.ts';
import { type Context, StoreError } from '../store/store.ts';
import { openCommandStore, parseStoreCommand, STORE_FLAGS_USAGE } from './store-flags.ts';

export const usage = `Usage: parley admin create --username NAME --password PASSWORD [--data DIR | --database URL]
       parley admin password --username NAME --password PASSWORD [--data DIR | --database URL]

create    makes a console account with every permission (conferences, participants, apply, admin)
password  sets a new password for an account and lifts a lock-out

${STORE_FLAGS_USAGE}

The password needs at least 8 characters. Example:
  parley admin create --username admin --password 'correct horse battery staple'
`;

const SYSTEM: Context = { actor: { kind: 'system', name: 'cli', permissions: ['admin'] }, ip: 'local' };

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action !== 'create' && action !== 'password') {
    process.stderr.write(`parley admin: expected "create" or "password"\n\n${usage}`);
    return 2;
  }
  const parsed = parseStoreCommand(rest, ['--username', '--password']);
  if (!parsed.ok) {
    process.stderr.write(`parley admin: ${parsed.error}\n`);
    return 2;
  }
  const username = parsed.value.flags.get('--username');
  const password = parsed.value.flags.get('--password');
  if (!username || !password) {
    process.stderr.write('parley admin: --username and --password are both needed\n');
    return 2;
  }
  if (password.length < 8) {
    process.stderr.write('parley admin: the password needs at least 8 characters\n');
    return 2;
  }
  const store = await openCommandStore('admin', parsed.value);
  if (!store) return 1;
  try {
    if (action === 'create') {
      await store.createAccount({ username, password, permissions: [...PERMISSIONS] }, SYSTEM);
      process.stdout.write(`created console account "${username}" with every permission\n`);
    } else {
      const account = await store.findAccountByUsername(username);
      if (!account) {
        process.stderr.write(`parley admin: there is no account "${username}"\n`);
        return 1;
      }
      await store.updateAccount(account.id, { password }, SYSTEM);
      process.stdout.write(`new password set for "${username}"; the account is unlocked\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof StoreError) {
      process.stderr.write(`parley admin: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}
