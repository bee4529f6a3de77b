import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { percentile } from './bench-stats';

/** What one paced run is asked to do. */
export interface PacedLoadOptions {
  url: string;
  headers?: Record<string, string>;
  /** Requests per second, evenly spaced. */
  rate: number;
  durationS: number;
  /** Seconds of the same load first, not recorded (JIT of both sides, socket set-up). Default 1. */
  warmupS?: number;
  /** Keep-alive sockets the requests share. */
  connections: number;
}

export interface PacedLoadResult {
  sent: number;
  completed: number;
  non2xx: number;
  errors: number;
  /** Requests per second actually completed. */
  achieved: number;
  /** Latency in ms from each request's send to its last response byte. */
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * Open-loop load at a fixed rate, in a child process of its own. Request i is sent at
 * `start + i / rate` whether or not earlier ones were answered (they queue for a free socket,
 * and that wait counts), so a stalled server is charged for every request it delayed (no
 * coordinated omission). autocannon's `overallRate` is not
 * used for latency: it sends each second's quota as fast as it can and then pauses, which
 * measures full-speed latency in bursts rather than latency at the given rate.
 */
export function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve(m as PacedLoadResult));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`paced load exited with ${code}`)));
  });
}

async function runPaced(o: PacedLoadOptions): Promise<PacedLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections, noDelay: true });
  const target = new URL(o.url);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  const skip = Math.round(o.rate * (o.warmupS ?? 1));
  const total = skip + Math.round(o.rate * o.durationS);
  const intervalNs = 1e9 / o.rate;
  const start = process.hrtime.bigint();
  const elapsedNs = () => Number(process.hrtime.bigint() - start);
  await new Promise<void>((done) => {
    let completed = 0;
    const finishOne = () => {
      if (++completed === total) done();
    };
    const send = (n: number) => {
      const sentAt = elapsedNs();
      const req = request(target, { agent, headers: o.headers }, (res) => {
        res.resume();
        res.on('end', () => {
          if (n >= skip) {
            latencies.push((elapsedNs() - sentAt) / 1e6);
            if (res.statusCode! < 200 || res.statusCode! >= 300) non2xx++;
          }
          finishOne();
        });
      });
      req.on('error', () => {
        if (n >= skip) errors++;
        finishOne();
      });
      req.end();
    };
    const tick = () => {
      const now = elapsedNs();
      // a timer tick is ~1 ms: send every request whose time has come
      for (; sent < total && sent * intervalNs <= now; sent++) send(sent);
      if (sent < total) setTimeout(tick, 0);
    };
    tick();
  });
  agent.destroy();
  const seconds = elapsedNs() / 1e9 - (o.warmupS ?? 1);
  return {
    sent: sent - skip,
    completed: latencies.length,
    non2xx,
    errors,
    achieved: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    p999: percentile(latencies, 99.9),
    max: Math.max(...latencies),
  };
}

if (require.main === module && process.send) {
  void runPaced(JSON.parse(process.argv[2]!) as PacedLoadOptions).then((r) => {
    process.send!(r, () => process.exit(0));
  });
}
