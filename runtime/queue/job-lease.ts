import type PgBoss from 'pg-boss';
import type { Logger } from '../../core/services/logger';

/**
 * Keeps a claimed pg-boss job's claim alive while its execution runs. pg-boss 10 expires an
 * `active` job `expire_in` after `started_on` (its maintenance then hands it to the next worker);
 * it has no heartbeat of its own, so the lease moves `started_on` forward every third of the
 * expiration — one indexed UPDATE of one row. A worker that dies stops renewing, and the job
 * lapses and is claimed again, which is the whole failover protocol.
 */
export class JobLease {
  private timer: NodeJS.Timeout | undefined;
  private lost = false;

  constructor(
    private readonly boss: PgBoss,
    private readonly schema: string,
    private readonly queue: string,
    private readonly jobId: string,
    private readonly expireInSeconds: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const every = Math.max(250, Math.floor((this.expireInSeconds * 1000) / 3));
    this.timer = setInterval(() => void this.renew(), every);
    this.timer.unref();
  }

  /** True once a renewal found the claim gone (it lapsed and another worker may own the job). */
  get isLost(): boolean {
    return this.lost;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Moves the claim's start to now; false when the job is no longer claimed (by anyone under this id). */
  async renew(): Promise<boolean> {
    try {
      const { rows } = await this.boss
        .getDb()
        .executeSql(`UPDATE ${this.schema}.job SET started_on = now() WHERE name = $1 AND id = $2 AND state = 'active' RETURNING id`, [this.queue, this.jobId]);
      if (rows.length === 0 && !this.lost) {
        this.lost = true;
        this.stop();
        this.logger.warn({ jobId: this.jobId }, 'the claim on a queued execution lapsed; another worker may resume it');
      }
      return rows.length > 0;
    } catch (err) {
      // A database blip: the next renewal retries; the lease is three renewals long.
      this.logger.warn({ err, jobId: this.jobId }, 'could not renew the claim on a queued execution');
      return false;
    }
  }
}
