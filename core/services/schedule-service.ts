import type { ScheduleDefinition } from '../model/workflow-definition';
import type { ValidationIssue } from '../plugin/node-type';
import type { WorkflowRecord } from '../store/workflow-store';

/** Runs saved workflows on their schedules (toad-scheduler + croner in runtime). */
export interface ScheduleService {
  /** Problems with a schedule (invalid cron, unknown timezone, too-short interval); paths like `schedule.cron`. */
  validate(schedule: ScheduleDefinition): ValidationIssue[];
  /** The next `count` fire times after `after` (ISO 8601 with the schedule's UTC offset). */
  nextFireTimes(schedule: ScheduleDefinition, count: number, after?: Date): string[];
  /** Starts, replaces or (when the record has no schedule) removes the workflow's job. */
  sync(record: WorkflowRecord): void;
  /** Removes the workflow's job. */
  remove(workflowId: string): void;
  /** Loads every scheduled workflow and starts firing. */
  start(): Promise<void>;
  stop(): Promise<void>;
}
