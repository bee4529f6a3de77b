import type { Knex } from '@mikro-orm/knex';
import { ConfigurationError } from '../../core/errors/weft-error';
import { checkSecret, isSecretName, type SecretInfo, type SecretStore } from '../../core/secrets/secret-store';
import type { SecretCipher } from '../secrets/secret-cipher';
import { msToIso } from './sql-codec';

/** The row as the query builder returns it (snake_case columns; the schema is secret.entity.ts). */
interface SecretRecordRow {
  name: string;
  sealed: string;
  created_at: number | string;
  updated_at: number | string;
}

/**
 * The {@link SecretStore} on SQLite or PostgreSQL: rows hold only AES-256-GCM ciphertexts
 * (see {@link SecretCipher}). Without a cipher (PostgreSQL with no `WEFT_SECRETS_KEY`) secrets
 * can be listed and deleted but not stored or read.
 */
export class SqlSecretStore implements SecretStore {
  constructor(
    private readonly knex: Knex,
    private readonly cipher: SecretCipher | null,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Checks at start that the key opens what is stored: a wrong or missing key stops the start
   * with a clear message instead of failing nodes later (GCM never decrypts to garbage).
   */
  async checkKey(): Promise<void> {
    const row = await this.knex<SecretRecordRow>('secret').orderBy('name').first();
    if (!row) return;
    if (!this.cipher) {
      const { n } = (await this.knex('secret').count({ n: '*' }).first()) as { n: number | string };
      throw new ConfigurationError(
        `WEFT_SECRETS_KEY is required: this PostgreSQL database holds ${Number(n)} secret(s), and weft cannot read them without their key`,
      );
    }
    try {
      this.cipher.decrypt(row.name, row.sealed);
    } catch {
      throw new ConfigurationError(
        `the secrets key does not decrypt the stored secrets (secret "${row.name}" fails authentication): WEFT_SECRETS_KEY or secrets.key is not the key they were written with`,
      );
    }
  }

  async set(name: string, value: string): Promise<void> {
    checkSecret(name, value);
    const sealed = this.requireCipher().encrypt(name, value);
    const t = this.now();
    await this.knex('secret').insert({ name, sealed, created_at: t, updated_at: t }).onConflict('name').merge({ sealed, updated_at: t });
  }

  async get(name: string): Promise<string | null> {
    if (!isSecretName(name)) return null;
    const row = await this.knex<SecretRecordRow>('secret').where({ name }).first();
    return row ? this.requireCipher().decrypt(name, row.sealed) : null;
  }

  async has(name: string): Promise<boolean> {
    if (!isSecretName(name)) return false;
    return (await this.knex('secret').where({ name }).first('name')) !== undefined;
  }

  async list(): Promise<SecretInfo[]> {
    const rows = await this.knex<SecretRecordRow>('secret').orderBy('name').select('name', 'created_at', 'updated_at');
    return rows.map((r) => ({ name: r.name, createdAt: msToIso(Number(r.created_at))!, updatedAt: msToIso(Number(r.updated_at))! }));
  }

  async delete(name: string): Promise<boolean> {
    if (!isSecretName(name)) return false;
    return (await this.knex('secret').where({ name }).delete()) > 0;
  }

  private requireCipher(): SecretCipher {
    if (!this.cipher)
      throw new ConfigurationError('WEFT_SECRETS_KEY is required to store or read secrets on PostgreSQL (32 bytes, base64)');
    return this.cipher;
  }
}
