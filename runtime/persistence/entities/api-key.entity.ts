import { BigIntType, EntitySchema } from '@mikro-orm/core';

/** An `api_key` row. The secret itself is never stored, only its SHA-256. */
export interface ApiKeyRow {
  id: string;
  role: string;
  name: string | null;
  /** Hex SHA-256 of the key's secret (generated keys) or of the whole key (a given bootstrap key). */
  hash: string;
  /** `generated`: found by the id inside the key; `plain`: found by the hash of the whole key. */
  scheme: string;
  createdAt: number;
  revokedAt: number | null;
}

export const ApiKeyEntity = new EntitySchema<ApiKeyRow>({
  name: 'ApiKey',
  tableName: 'api_key',
  properties: {
    id: { type: 'string', length: 32, primary: true },
    role: { type: 'string', length: 16 },
    name: { type: 'string', length: 200, nullable: true },
    hash: { type: 'string', length: 64, unique: 'api_key_hash_unique' },
    scheme: { type: 'string', length: 16 },
    createdAt: { type: new BigIntType('number') },
    revokedAt: { type: new BigIntType('number'), nullable: true },
  },
});
