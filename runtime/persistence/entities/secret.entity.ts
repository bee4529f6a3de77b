import { BigIntType, EntitySchema } from '@mikro-orm/core';

/** A `secret` row: the value only as AES-256-GCM ciphertext (IV ‖ tag ‖ ciphertext, base64). */
export interface SecretRow {
  name: string;
  sealed: string;
  createdAt: number;
  updatedAt: number;
}

export const SecretEntity = new EntitySchema<SecretRow>({
  name: 'Secret',
  tableName: 'secret',
  properties: {
    name: { type: 'string', length: 64, primary: true },
    sealed: { type: 'text' },
    createdAt: { type: new BigIntType('number') },
    updatedAt: { type: new BigIntType('number') },
  },
});
