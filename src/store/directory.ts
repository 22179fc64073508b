/**
 * What the PBX reads from the applied (live) configuration. The store implements it; tests and the SIP
 * layer's own interop harness may back it with a plain map.
 */
export interface SipUser {
  extension: string;
  name: string;
  sipPassword: string;
}

export interface UserDirectory {
  /** The live user with this extension, or undefined. Must not leak timing or errors about existence. */
  findUser(extension: string): SipUser | undefined;
}

/** A directory over a fixed list, for tests and benchmarks. */
export function staticDirectory(users: SipUser[]): UserDirectory {
  const byExt = new Map(users.map((u) => [u.extension, u]));
  return { findUser: (ext) => byExt.get(ext) };
}
