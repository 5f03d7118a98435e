// The file `tasks.record` appends to (`<token> <python|celeriac> <pid>` per run), read back for
// exactly-once and ordering checks.
import { existsSync, readFileSync } from 'node:fs';

export interface RecordedRun {
  token: string;
  kind: 'python' | 'celeriac';
  pid: number;
}

export function readRecord(path: string): RecordedRun[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [token, kind, pid] = line.split(' ');
      return { token: token!, kind: kind as RecordedRun['kind'], pid: Number(pid) };
    });
}
