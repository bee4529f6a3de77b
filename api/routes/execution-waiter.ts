/** The API's view of {@link waitForFinish} (it lives in core: child executions are awaited the same way). */
export { isTerminal, waitForFinish } from '../../core/store/execution-waiter';
