/**
 * The users that whole-system call tests provision, by extension: one name and SIP password each, so a
 * phone or a sipp caller signed in as 101 always uses the same credentials.
 */
export interface TestUser {
  name: string;
  extension: string;
  sipPassword: string;
}

/** Every test user by extension. */
export const USERS: Readonly<Record<string, TestUser>> = {
  '100': { name: 'Admin', extension: '100', sipPassword: 'admin-secret-0' },
  '101': { name: 'Alice', extension: '101', sipPassword: 'alice-secret-1' },
  '102': { name: 'Bob', extension: '102', sipPassword: 'bob-secret-22' },
  '103': { name: 'Carol', extension: '103', sipPassword: 'carol-secret-3' },
  '104': { name: 'Dave', extension: '104', sipPassword: 'dave-secret-44' },
};

/** The test users with these extensions, in this order (throws on an unknown one). */
export function users(...extensions: string[]): TestUser[] {
  return extensions.map((e) => {
    const u = USERS[e];
    if (!u) throw new Error(`no test user ${e}`);
    return { ...u };
  });
}

/** The SIP password of test user `extension`. */
export function passwordOf(extension: string): string {
  return users(extension)[0]!.sipPassword;
}
