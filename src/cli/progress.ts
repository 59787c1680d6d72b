/**
 * A one-line progress bar on a terminal; silent when stderr is not a TTY (CI logs stay clean).
 */
import type { ProgressEvent } from '../tests/types.js';

export function createProgress(stream: NodeJS.WriteStream): {
  update: (e: ProgressEvent & { test?: string }) => void;
  done: () => void;
} {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let last = 0;
  let shown = false;
  return {
    update(e) {
      const now = Date.now();
      if (now - last < 100 && e.done < e.total) return;
      last = now;
      const width = 30;
      const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '░');
      const label = e.test ? `${e.test} ${e.phase}` : e.phase;
      stream.write(`\r\x1b[2K${bar} ${(frac * 100).toFixed(0).padStart(3)}%  ${label} ${e.done}/${e.total}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}
