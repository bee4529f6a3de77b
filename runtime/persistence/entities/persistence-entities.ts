import { ApiKeyEntity } from './api-key.entity';
import { NodeExecutionEntity } from './node-execution.entity';
import { SecretEntity } from './secret.entity';
import { MapItemEntity } from './map-item.entity';
import { WeftMetaEntity } from './weft-meta.entity';
import { WorkflowEntity } from './workflow.entity';
import { WorkflowExecutionEntity } from './workflow-execution.entity';
import { WorkflowVersionEntity } from './workflow-version.entity';
import { WaitEntity } from './wait.entity';
import { SignalEntity } from './signal.entity';
import { NodeOutputEntity } from './node-output.entity';

/** Every entity weft persists (MikroORM `entities`). */
export const persistenceEntities = [
  WorkflowEntity,
  WorkflowVersionEntity,
  WorkflowExecutionEntity,
  NodeExecutionEntity,
  MapItemEntity,
  ApiKeyEntity,
  WeftMetaEntity,
  SecretEntity,
  WaitEntity,
  SignalEntity,
  NodeOutputEntity,
];
