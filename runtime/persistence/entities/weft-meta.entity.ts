import { EntitySchema } from '@mikro-orm/core';

/** Per-database settings weft creates itself (e.g. the secret that signs list cursors). */
export interface WeftMetaRow {
  key: string;
  value: string;
}

export const WeftMetaEntity = new EntitySchema<WeftMetaRow>({
  name: 'WeftMeta',
  tableName: 'weft_meta',
  properties: {
    key: { type: 'string', length: 64, primary: true },
    value: { type: 'text' },
  },
});
