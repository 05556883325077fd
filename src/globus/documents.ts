import { InvalidArgumentError } from '../errors.js';
import type { GlobusFatalError } from './errors.js';

/**
 * Shapes of the Globus Transfer API v0.10 documents this package sends and
 * reads (see docs.globus.org/api/transfer: task submission and task
 * management). Field names are the wire names.
 */

/** Names of Transfer sync levels; the wire form is the integer 0–3. */
export type SyncLevelName = 'exists' | 'size' | 'mtime' | 'checksum';

/** A sync level by name or number. */
export type SyncLevel = SyncLevelName | 0 | 1 | 2 | 3;

const SYNC_LEVELS: Record<SyncLevelName, 0 | 1 | 2 | 3> = {
  exists: 0,
  size: 1,
  mtime: 2,
  checksum: 3,
};

/**
 * The wire integer of a sync level: copy when the destination is missing
 * (0), differs in size (1), is older (2) or differs in checksum (3).
 *
 * @throws {@link InvalidArgumentError} for anything else.
 */
export function syncLevelNumber(level: unknown): 0 | 1 | 2 | 3 {
  if (level === 0 || level === 1 || level === 2 || level === 3) return level;
  if (typeof level === 'string' && level in SYNC_LEVELS) {
    return SYNC_LEVELS[level as SyncLevelName];
  }
  throw InvalidArgumentError.format(
    'syncLevel',
    level,
    "expected 'exists', 'size', 'mtime', 'checksum' or 0-3",
  );
}

/** `GET /submission_id`. */
export interface SubmissionIdDocument {
  DATA_TYPE: 'submission_id';
  value: string;
}

interface SubmissionCommon {
  submission_id: string;
  label?: string;
  notify_on_succeeded: boolean;
  notify_on_failed: boolean;
  notify_on_inactive: boolean;
}

/** One file or directory to copy. */
export interface TransferItem {
  DATA_TYPE: 'transfer_item';
  source_path: string;
  destination_path: string;
  recursive: boolean;
}

/** `POST /transfer` body. */
export interface TransferDocument extends SubmissionCommon {
  DATA_TYPE: 'transfer';
  source_endpoint: string;
  destination_endpoint: string;
  sync_level?: 0 | 1 | 2 | 3;
  DATA: TransferItem[];
}

/** One path to delete. */
export interface DeleteItem {
  DATA_TYPE: 'delete_item';
  path: string;
}

/** `POST /delete` body. */
export interface DeleteDocument extends SubmissionCommon {
  DATA_TYPE: 'delete';
  endpoint: string;
  recursive: boolean;
  ignore_missing: boolean;
  DATA: DeleteItem[];
}

/** Answer to a submission (`transfer_result` or `delete_result`). */
export interface SubmissionResult {
  DATA_TYPE: 'transfer_result' | 'delete_result';
  task_id: string;
  submission_id: string;
  /** `Accepted`, or `Duplicate` when the submission id was used before. */
  code: string;
  message: string;
  request_id: string;
}

/** Task statuses: the first two are not final. */
export type TaskStatus = 'ACTIVE' | 'INACTIVE' | 'SUCCEEDED' | 'FAILED';

/** `GET /task/<task_id>` (the fields this package reads). */
export interface TaskDocument {
  DATA_TYPE: 'task';
  task_id: string;
  type: 'TRANSFER' | 'DELETE';
  status: TaskStatus;
  nice_status: string | null;
  fatal_error: GlobusFatalError | null;
  source_endpoint_id: string | null;
  destination_endpoint_id: string | null;
  label: string | null;
  [field: string]: unknown;
}

/** Whether a status is final. */
export function isFinalStatus(status: TaskStatus): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED';
}

/** Error body of the Transfer API. */
export interface TransferErrorDocument {
  code: string;
  message: string;
  request_id: string;
  resource: string;
}
