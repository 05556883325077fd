/**
 * The Transfer half of the Globus MOCK (see globus-mock-server.ts): it keeps
 * collections as local directories, accepts transfer and delete documents in
 * the Transfer API v0.10 wire format, and runs each task by really copying
 * or deleting files between those directories. It is a test double, not
 * Globus: no GridFTP, no permissions, no quotas.
 */
import { createHash, randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';

/** How the mock runs the next submitted task(s). */
export type MockTaskBehaviour =
  | { kind: 'delay'; ms: number }
  | { kind: 'fail'; code?: string; description?: string }
  | { kind: 'hold' }
  | { kind: 'inactive' };

type Status = 'ACTIVE' | 'INACTIVE' | 'SUCCEEDED' | 'FAILED';

export interface MockTask {
  id: string;
  type: 'TRANSFER' | 'DELETE';
  status: Status;
  doc: Record<string, unknown>;
  niceStatus: string | null;
  fatalError: { code: string; description: string } | null;
  requestTime: string;
  completionTime: string | null;
  filesTransferred: number;
  filesSkipped: number;
  behaviour: MockTaskBehaviour | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** An error answered as a Transfer error document. */
export class MockApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function bad(message: string): MockApiError {
  return new MockApiError(400, 'ClientError.BadRequest', message);
}

function str(doc: Record<string, unknown>, field: string): string {
  const v = doc[field];
  if (typeof v !== 'string' || v === '') throw bad(`Field '${field}' must be a non-empty string.`);
  return v;
}

class TaskFailure extends Error {
  constructor(
    readonly code: string,
    description: string,
  ) {
    super(description);
  }
}

export class MockTransferService {
  readonly collections = new Map<string, string>();
  readonly tasks = new Map<string, MockTask>();
  /** Documents received on POST /transfer and /delete, in order. */
  readonly submissions: Record<string, unknown>[] = [];
  /** Milliseconds a task stays ACTIVE before it runs (unless told otherwise). */
  defaultDelayMs = 0;
  readonly #submissionIds = new Map<string, string | null>();
  readonly #queued: MockTaskBehaviour[] = [];
  #stopped = false;

  addCollection(uuid: string, rootDir: string): void {
    this.collections.set(uuid, rootDir);
  }

  /** The next `count` submitted tasks behave as told. */
  nextTasks(behaviour: MockTaskBehaviour, count = 1): void {
    for (let i = 0; i < count; i++) this.#queued.push(behaviour);
  }

  /** Runs every held or inactive task now. */
  releaseHeld(): void {
    for (const task of this.tasks.values()) {
      const waiting = task.behaviour?.kind === 'hold' || task.behaviour?.kind === 'inactive';
      if (waiting && (task.status === 'ACTIVE' || task.status === 'INACTIVE')) {
        task.status = 'ACTIVE';
        task.niceStatus = 'Queued';
        void this.#run(task);
      }
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const task of this.tasks.values()) clearTimeout(task.timer);
  }

  newSubmissionId(): string {
    const id = randomUUID();
    this.#submissionIds.set(id, null);
    return id;
  }

  /** POST /transfer or /delete. Returns [status, result document]. */
  submit(type: 'TRANSFER' | 'DELETE', doc: Record<string, unknown>): [number, object] {
    const expected = type === 'TRANSFER' ? 'transfer' : 'delete';
    if (doc['DATA_TYPE'] !== expected) {
      throw bad(`DATA_TYPE must be '${expected}', got ${JSON.stringify(doc['DATA_TYPE'])}.`);
    }
    const submissionId = str(doc, 'submission_id');
    if (!this.#submissionIds.has(submissionId)) {
      throw bad(`Unknown submission_id '${submissionId}'; get one from /submission_id.`);
    }
    this.#validate(type, doc);
    this.submissions.push(doc);

    const resultType = type === 'TRANSFER' ? 'transfer_result' : 'delete_result';
    const previous = this.#submissionIds.get(submissionId);
    if (previous !== null && previous !== undefined) {
      return [200, this.#result(resultType, previous, submissionId, 'Duplicate')];
    }

    const task: MockTask = {
      id: randomUUID(),
      type,
      status: 'ACTIVE',
      doc,
      niceStatus: 'Queued',
      fatalError: null,
      requestTime: new Date().toISOString(),
      completionTime: null,
      filesTransferred: 0,
      filesSkipped: 0,
      behaviour: this.#queued.shift(),
      timer: undefined,
    };
    this.tasks.set(task.id, task);
    this.#submissionIds.set(submissionId, task.id);
    this.#schedule(task);
    return [202, this.#result(resultType, task.id, submissionId, 'Accepted')];
  }

  /** GET /task/<id>. */
  taskDocument(id: string): object {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw bad(`'${id}' is not a valid task id.`);
    const task = this.tasks.get(id);
    if (task === undefined) {
      throw new MockApiError(404, 'ClientError.NotFound', `Task '${id}' not found.`);
    }
    const transfer = task.type === 'TRANSFER';
    return {
      DATA_TYPE: 'task',
      task_id: task.id,
      type: task.type,
      status: task.status,
      nice_status: task.niceStatus,
      fatal_error: task.fatalError,
      label: task.doc['label'] ?? null,
      source_endpoint_id: transfer ? task.doc['source_endpoint'] : task.doc['endpoint'],
      destination_endpoint_id: transfer ? task.doc['destination_endpoint'] : null,
      request_time: task.requestTime,
      completion_time: task.completionTime,
      files: Array.isArray(task.doc['DATA']) ? task.doc['DATA'].length : 0,
      files_transferred: task.filesTransferred,
      files_skipped: task.filesSkipped,
      is_ok: task.status !== 'FAILED' && task.status !== 'INACTIVE',
      sync_level: task.doc['sync_level'] ?? null,
    };
  }

  #result(dataType: string, taskId: string, submissionId: string, code: string): object {
    return {
      DATA_TYPE: dataType,
      task_id: taskId,
      submission_id: submissionId,
      code,
      message:
        code === 'Accepted'
          ? 'The task was accepted.'
          : 'A task with this submission id exists.',
      resource: dataType === 'transfer_result' ? '/transfer' : '/delete',
      request_id: randomUUID().slice(0, 8),
      task_link: {
        DATA_TYPE: 'link',
        href: `task/${taskId}?format=json`,
        rel: 'related',
        resource: 'task',
      },
    };
  }

  #validate(type: 'TRANSFER' | 'DELETE', doc: Record<string, unknown>): void {
    const collections = type === 'TRANSFER'
      ? [str(doc, 'source_endpoint'), str(doc, 'destination_endpoint')]
      : [str(doc, 'endpoint')];
    for (const c of collections) {
      if (!this.collections.has(c)) {
        throw new MockApiError(404, 'ClientError.NotFound', `No collection with id '${c}'.`);
      }
    }
    const items = doc['DATA'];
    if (!Array.isArray(items) || items.length === 0) throw bad('DATA must be a non-empty list.');

    const level = doc['sync_level'];
    if (level !== undefined && level !== null && ![0, 1, 2, 3].includes(level as number)) {
      throw bad(`sync_level must be 0-3, got ${JSON.stringify(level)}.`);
    }
    for (const item of items as Record<string, unknown>[]) {
      if (type === 'TRANSFER') {
        if (item['DATA_TYPE'] !== 'transfer_item') {
          throw bad('Items must be transfer_item documents.');
        }
        str(item, 'source_path');
        str(item, 'destination_path');
      } else {
        if (item['DATA_TYPE'] !== 'delete_item') throw bad('Items must be delete_item documents.');
        str(item, 'path');
      }
    }
  }

  #schedule(task: MockTask): void {
    const b = task.behaviour;
    if (b?.kind === 'hold') return;
    if (b?.kind === 'inactive') {
      task.status = 'INACTIVE';
      task.niceStatus = 'CREDENTIAL_EXPIRED';
      return;
    }
    const delay = b?.kind === 'delay' ? b.ms : this.defaultDelayMs;
    task.timer = setTimeout(() => void this.#run(task), delay);
  }

  async #run(task: MockTask): Promise<void> {
    if (this.#stopped) return;
    try {
      if (task.behaviour?.kind === 'fail') {
        throw new TaskFailure(
          task.behaviour.code ?? 'PERMISSION_DENIED',
          task.behaviour.description ?? 'Permission denied (mock failure).',
        );
      }
      if (task.type === 'TRANSFER') await this.#copyAll(task);
      else await this.#deleteAll(task);
      task.status = 'SUCCEEDED';
      task.niceStatus = null;
    } catch (err) {
      task.status = 'FAILED';
      task.niceStatus = null;
      task.fatalError =
        err instanceof TaskFailure
          ? { code: err.code, description: err.message }
          : { code: 'UNKNOWN', description: (err as Error).message };
    }
    task.completionTime = new Date().toISOString();
  }

  /** Maps a collection path to the local file system. */
  #local(collection: string, path: string): string {
    const root = this.collections.get(collection) as string;
    if (!path.startsWith('/')) {
      throw new TaskFailure('INVALID_PATH', `Path '${path}' is not absolute.`);
    }
    const rel = normalize(path.replace(/^\/~(?=\/|$)/, ''));
    if (rel.split('/').includes('..')) {
      throw new TaskFailure('PERMISSION_DENIED', `Path '${path}' leaves the collection.`);
    }
    return join(root, rel);
  }

  async #copyAll(task: MockTask): Promise<void> {
    const src = task.doc['source_endpoint'] as string;
    const dst = task.doc['destination_endpoint'] as string;
    const level = task.doc['sync_level'] as number | undefined;

    for (const item of task.doc['DATA'] as Record<string, string>[]) {
      const from = this.#local(src, item['source_path'] as string);
      const to = this.#local(dst, item['destination_path'] as string);
      const fromStat = await stat(from).catch(() => {
        throw new TaskFailure('FILE_NOT_FOUND', `No such file: ${item['source_path']}.`);
      });
      if (await this.#inSync(from, to, fromStat.size, fromStat.mtimeMs, level)) {
        task.filesSkipped++;
        continue;
      }
      await mkdir(dirname(to), { recursive: true });
      await copyFile(from, to);
      task.filesTransferred++;
    }
  }

  async #inSync(
    from: string,
    to: string,
    size: number,
    mtimeMs: number,
    level: number | undefined,
  ): Promise<boolean> {
    if (level === undefined || level === null) return false;
    const existing = await stat(to).catch(() => null);
    if (existing === null) return false;
    if (level === 0) return true;
    if (level === 1) return existing.size === size;
    if (level === 2) return existing.size === size && existing.mtimeMs >= mtimeMs;
    const digest = async (p: string) => createHash('md5').update(await readFile(p)).digest('hex');
    return (await digest(from)) === (await digest(to));
  }

  async #deleteAll(task: MockTask): Promise<void> {
    const collection = task.doc['endpoint'] as string;
    const recursive = task.doc['recursive'] === true;
    const ignoreMissing = task.doc['ignore_missing'] === true;

    for (const item of task.doc['DATA'] as Record<string, string>[]) {
      const path = this.#local(collection, item['path'] as string);
      const found = await stat(path).catch(() => null);
      if (found === null) {
        if (ignoreMissing) continue;
        throw new TaskFailure('FILE_NOT_FOUND', `No such file or directory: ${item['path']}.`);
      }
      if (found.isDirectory() && !recursive) {
        throw new TaskFailure(
          'DIRECTORY_NOT_EMPTY',
          `${item['path']} is a directory; set recursive.`,
        );
      }
      await rm(path, { recursive: true, force: true });
    }
  }
}
