/** summary.md: a short Markdown summary for a pull-request comment (GitHub-flavoured tables). */
import type { Results } from '../results/schema.js';
import { displayStatus, fmtNumber, STATUS_WORD } from './format.js';
import { coverageHeadlines, dataIdentity, failedThresholds, modelIdentity, outcomeSentence } from './summary.js';

/** Keeps table cells on one line and stops `|` from splitting them. */
function cell(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

export function renderMarkdown(results: Results): string {
  const lines: string[] = [];
  lines.push(`## Assay: ${cell(results.name)} — ${results.status.toUpperCase()}`, '');
  lines.push(outcomeSentence(results), '');
  lines.push(`- **Model:** ${cell(modelIdentity(results))}`);
  lines.push(`- **Data:** ${cell(dataIdentity(results))}`);
  lines.push(`- **Seed:** ${results.seed} · **Assay** ${results.tool.version}`, '');
  if (results.tests.length > 0) {
    lines.push('| Test | Status | Thresholds |', '| --- | --- | --- |');
    for (const t of results.tests) {
      const th = t.thresholds
        .map((x) => `${x.passed ? '✅' : '❌'} ${x.metric} = ${fmtNumber(x.actual)} (${x.condition})`)
        .join('<br>');
      const why = t.status === 'error' ? (t.error?.message ?? '') : t.status === 'skipped' ? (t.reason ?? '') : '';
      lines.push(
        `| ${cell(`${t.title} (\`${t.id}\`)`)} | ${STATUS_WORD[displayStatus(t)]} | ${cell(th || why || '—')} |`,
      );
    }
    lines.push('');
  }
  const failed = failedThresholds(results);
  if (failed.length > 0) {
    lines.push('**Failed thresholds**', '', ...failed.map((f) => `- ${f}`), '');
  }
  const cov = coverageHeadlines(results);
  if (cov.length > 0) {
    lines.push('**Framework coverage**', '', ...cov.map((c) => `- ${c.name}: ${c.text}`), '');
  }
  lines.push('_Full report: `report.html` (and `report.pdf`) next to `results.json`._', '');
  return lines.join('\n');
}
