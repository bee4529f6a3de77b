/** API roles: `admin` (everything), `operator` (read, execute, cancel), `viewer` (read). */
export type ApiKeyRole = 'admin' | 'operator' | 'viewer';

export interface ApiKeyRecord {
  id: string;
  role: ApiKeyRole;
  name: string | null;
  createdAt: string;
}

/** API keys, stored hashed; the plain key is returned once, at creation. */
export interface ApiKeyStore {
  /** Creates a key (random unless `plainKey` is given: the bootstrap `WEFT_ADMIN_KEY`). */
  create(role: ApiKeyRole, options?: { name?: string; plainKey?: string }): Promise<{ key: string; record: ApiKeyRecord }>;
  /** The key's record, or null for unknown/revoked/malformed keys. Constant-time comparison. */
  verify(plainKey: string): Promise<ApiKeyRecord | null>;
  count(): Promise<number>;
  revoke(id: string): Promise<void>;
}
