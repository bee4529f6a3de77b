import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** `host:pid:random`, the identity a process writes on the executions it runs. */
export function defaultOwner(): string {
  return `${hostHint()}:${process.pid}:${randomBytes(6).toString('hex')}`;
}

function hostHint(): string {
  return hostname().slice(0, 80).replace(/:/g, '_');
}

/**
 * Whether an execution's owner is gone: none; this same process before a restart (same host and
 * pid — e.g. PID 1 in a container — but another random part); a pid on this host that no longer
 * exists; or a heartbeat older than `staleBefore` (other hosts, hung processes).
 */
export function isStale(row: { owner: string | null; heartbeat_at: unknown }, me: string, staleBefore: number): boolean {
  if (!row.owner) return true;
  if (row.owner === me) return false;
  const [host, pid] = row.owner.split(':');
  const [myHost, myPid] = me.split(':');
  if (host === myHost && host === hostHint()) {
    if (pid === myPid) return true;
    if (!pidAlive(Number(pid))) return true;
  }
  return row.heartbeat_at === null || row.heartbeat_at === undefined || Number(row.heartbeat_at) < staleBefore;
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
