import { ConfigurationError, ValidationError } from '../errors/weft-error';
import { ErrorCodes } from '../errors/error-codes';
import type { NodeExecutor, NodeTypeDefinition } from './node-type';

/** A registered node type with its executor instance and compiled config validator. */
export interface RegisteredNodeType {
  definition: NodeTypeDefinition;
  pluginId: string;
  executor: NodeExecutor;
}

/** All node types known to the kernel. */
export class NodeTypeRegistry {
  private readonly types = new Map<string, RegisteredNodeType>();

  add(entry: RegisteredNodeType): void {
    const existing = this.types.get(entry.definition.type);
    if (existing) {
      throw new ConfigurationError(
        `node type "${entry.definition.type}" is registered twice: by plugin "${existing.pluginId}" and by plugin "${entry.pluginId}"`,
        { code: ErrorCodes.WF_PLUGIN },
      );
    }
    this.types.set(entry.definition.type, entry);
  }

  has(type: string): boolean {
    return this.types.has(type);
  }

  get(type: string): RegisteredNodeType {
    const entry = this.types.get(type);
    if (!entry) throw new ValidationError(`unknown node type "${type}"`, { code: ErrorCodes.WF_UNKNOWN_NODE_TYPE });
    return entry;
  }

  list(): RegisteredNodeType[] {
    return [...this.types.values()];
  }
}
