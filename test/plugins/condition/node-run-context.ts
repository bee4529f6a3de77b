export { nodeRunContext } from '../../support/node-run-context';
