import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { batchId, type UsageBatch } from '../../shared/usage.ts';

/**
 * A durable local spool for batches the store could not take. One file per batch, written to a
 * temporary name, fsynced, then renamed, so a crash leaves either the whole batch or nothing.
 * A batch keeps its (writer, seq) identity in the spool, which makes its replay idempotent.
 */
export class FileSpool {
  constructor(private readonly dir: string) {}

  private file(batch: Pick<UsageBatch, 'writerId' | 'seq'>): string {
    return join(this.dir, `${batchId(batch).replace('#', '-')}.json`);
  }

  async put(batch: UsageBatch): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const target = this.file(batch);
    const tmp = `${target}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(batch));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  }

  async remove(batch: Pick<UsageBatch, 'writerId' | 'seq'>): Promise<void> {
    await rm(this.file(batch), { force: true });
  }

  /** Every spooled batch, in (writer, seq) order. */
  async list(): Promise<UsageBatch[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: UsageBatch[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      out.push(JSON.parse(await readFile(join(this.dir, name), 'utf8')) as UsageBatch);
    }
    return out;
  }
}
