import { definePlugin, defineNodeType, type NodeRunContext, type WeftPlugin } from '../../core';

export type TestHandler = (input: any, ctx: NodeRunContext) => unknown; // unknown covers a Promise too

/**
 * A plugin for core tests: node type `fn` runs a named handler with its templated `input`;
 * node type `branch` returns `{ branch: input, value: input }`; node type `noop` returns `input` (or null).
 */
export function createTestPlugin(handlers: Record<string, TestHandler> = {}): WeftPlugin {
  return definePlugin({
    id: 'test.core',
    version: '1.0.0',
    register(reg) {
      reg.addNodeType(
        defineNodeType<{ fn: string; input?: unknown }>({
          type: 'fn',
          configSchema: {
            type: 'object',
            required: ['fn'],
            properties: { fn: { type: 'string' }, input: {} },
            additionalProperties: false,
          },
          templateFields: ['input'],
          create: () => ({
            validate: (config) => (handlers[config.fn] ? [] : [{ path: 'config.fn', message: `no handler "${config.fn}"` }]),
            execute: async (config, ctx) => handlers[config.fn]!(config.input, ctx),
          }),
        }),
      );
      reg.addNodeType(
        defineNodeType<{ input?: unknown }>({
          type: 'noop',
          configSchema: { type: 'object', properties: { input: {} }, additionalProperties: false },
          templateFields: ['input'],
          create: () => ({ execute: async (config) => config.input ?? null }),
        }),
      );
      reg.addNodeType(
        defineNodeType<{ input: string; labels?: string[] }>({
          type: 'branch',
          outputs: 'branches',
          configSchema: {
            type: 'object',
            required: ['input'],
            properties: { input: { type: 'string' }, labels: { type: 'array', items: { type: 'string' } } },
            additionalProperties: false,
          },
          templateFields: ['input'],
          create: () => ({
            branches: (config) => config.labels ?? ['true', 'false'],
            execute: async (config) => ({ branch: config.input, value: config.input }),
          }),
        }),
      );
    },
  });
}
