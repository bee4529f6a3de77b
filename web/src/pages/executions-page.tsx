import { ExecutionList } from './execution-list';

export function ExecutionsPage() {
  return (
    <main className="page">
      <h1>Executions</h1>
      <ExecutionList />
    </main>
  );
}
