import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../../core/errors/weft-error';

/** The generated key file's name, beside the SQLite database (`<dataDir>/secrets.key` by default). */
export const SECRETS_KEY_FILE = 'secrets.key';

/**
 * The secrets' key: `WEFT_SECRETS_KEY` (32 bytes, base64) when set; else, on SQLite, the key file
 * in `keyDir`, generated (mode 0600) when absent; else null (PostgreSQL without the variable:
 * the store then refuses to hold secrets, and the start fails once any exist).
 */
export function resolveSecretsKey(configured: string | null, keyDir: string | null): Buffer | null {
  if (configured !== null) {
    const key = Buffer.from(configured.trim(), 'base64');
    if (key.length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(configured.trim())) {
      throw new ConfigurationError(
        `WEFT_SECRETS_KEY must be 32 bytes in base64 (e.g. the output of "openssl rand -base64 32"); it decodes to ${key.length} bytes`,
      );
    }
    return key;
  }
  if (keyDir === null) return null;
  const file = join(keyDir, SECRETS_KEY_FILE);
  let fd: number;
  try {
    // create-exclusive: two processes starting together cannot both write a different key
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new ConfigurationError(`cannot create the secrets key file ${file}: ${(err as Error).message}`);
    return readKeyFile(file);
  }
  try {
    const key = randomBytes(32);
    writeSync(fd, `${key.toString('base64')}\n`);
    return key;
  } finally {
    closeSync(fd);
  }
}

function readKeyFile(file: string): Buffer {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ConfigurationError(
      `the secrets key file ${file} is readable by group or others (mode ${mode.toString(8).padStart(3, '0')}); run "chmod 600 ${file}" (weft refuses to start otherwise)`,
    );
  }
  const text = readFileSync(file, 'utf8').trim();
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) throw new ConfigurationError(`the secrets key file ${file} does not hold 32 bytes in base64`);
  return key;
}
