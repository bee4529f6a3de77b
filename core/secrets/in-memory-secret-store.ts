import { checkSecret, type SecretInfo, type SecretStore } from './secret-store';

/** A {@link SecretStore} in this process's memory (in-memory kernels, `weft run` without a database). */
export class InMemorySecretStore implements SecretStore {
  private readonly entries = new Map<string, { value: string; createdAt: string; updatedAt: string }>();

  constructor(private readonly now: () => number = Date.now) {}

  async set(name: string, value: string): Promise<void> {
    checkSecret(name, value);
    const at = new Date(this.now()).toISOString();
    this.entries.set(name, { value, createdAt: this.entries.get(name)?.createdAt ?? at, updatedAt: at });
  }

  async get(name: string): Promise<string | null> {
    return this.entries.get(name)?.value ?? null;
  }

  async has(name: string): Promise<boolean> {
    return this.entries.has(name);
  }

  async list(): Promise<SecretInfo[]> {
    return [...this.entries]
      .map(([name, e]) => ({ name, createdAt: e.createdAt, updatedAt: e.updatedAt }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async delete(name: string): Promise<boolean> {
    return this.entries.delete(name);
  }
}
