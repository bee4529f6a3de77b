import type PgBoss from 'pg-boss';
import type { Logger } from '../../core/services/logger';

/**
 * Keeps a claimed pg-boss job's claim alive while its execution runs. pg-boss 10 expires an
 * `active` job `expire_in` after `started_on` (its maintenance then hands it to the next worker);
 * it has no heartbeat of its own, so the lease moves `started_on` forward every third of the
 * lease — one indexed UPDATE of one row — and sets `expire_in` to this worker's lease (whoever
 * sent the job). The claim is this job id at this `retry_count` (pg-boss raises it on every
 * claim after the first), so a worker that lost its claim and wakes up later can neither renew
 * nor complete the next claimant's. A worker that dies stops renewing, and the job lapses and is
 * claimed again, which is the whole failover protocol.
 */
export class JobLease {
  private timer: NodeJS.Timeout | undefined;
  private lost = false;
  private onLost: (() => void) | null = null;

  constructor(
    private readonly boss: PgBoss,
    private readonly schema: string,
    private readonly queue: string,
    private readonly jobId: string,
    private readonly retryCount: number,
    private readonly leaseSeconds: number,
    private readonly logger: Logger,
  ) {}

  /** Renews at once (taking the lease to this worker's length) and then every third of the lease; `onLost` runs once if the claim is found gone. */
  start(onLost: () => void): void {
    this.onLost = onLost;
    const every = Math.max(250, Math.floor((this.leaseSeconds * 1000) / 3));
    this.timer = setInterval(() => void this.renew(), every);
    this.timer.unref();
    void this.renew();
  }

  /** True once a renewal found the claim gone (it lapsed and another worker may own the job). */
  get isLost(): boolean {
    return this.lost;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Moves the claim's start to now; false when this claim is gone (lapsed, or taken by another worker). */
  async renew(): Promise<boolean> {
    try {
      const { rows } = await this.boss
        .getDb()
        .executeSql(
          `UPDATE ${this.schema}.job SET started_on = now(), expire_in = make_interval(secs => $4) WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3 RETURNING id`,
          [this.queue, this.jobId, this.retryCount, this.leaseSeconds],
        );
      if (rows.length === 0) this.markLost();
      return rows.length > 0;
    } catch (err) {
      // A database blip: the next renewal retries; the lease is three renewals long.
      this.logger.warn({ err, jobId: this.jobId }, 'could not renew the claim on a queued execution');
      return false;
    }
  }

  /** Completes the job if this claim still holds it; false when it does not (nothing changed). */
  async complete(output: object): Promise<boolean> {
    this.stop();
    const { rows } = await this.boss
      .getDb()
      .executeSql(
        `UPDATE ${this.schema}.job SET completed_on = now(), state = 'completed', output = $4::jsonb WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3 RETURNING id`,
        [this.queue, this.jobId, this.retryCount, JSON.stringify(output)],
      );
    if (rows.length === 0) this.markLost();
    return rows.length > 0;
  }

  private markLost(): void {
    if (this.lost) return;
    this.lost = true;
    this.stop();
    this.logger.warn({ jobId: this.jobId }, 'the claim on a queued execution lapsed; another worker may resume it');
    this.onLost?.();
  }
}
